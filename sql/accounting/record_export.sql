INSERT INTO accounting_exports VALUES ($month, $path, $sha256, $entries, $lines, $now, TRUE)
ON CONFLICT (month) DO UPDATE SET path = excluded.path, sha256 = excluded.sha256, entries = excluded.entries,
    lines = excluded.lines, exported_at = excluded.exported_at, locked = TRUE;
