-- Record one input file version in the registry (or refresh its last reading).
INSERT INTO input_files
    (sha256, path, kind, month, size_bytes, status, same_as, encoding, rows_read, rows_rejected, error,
     first_read_at, last_read_at)
VALUES ($sha256, $path, $kind, $month, $size_bytes, $status, $same_as, $encoding, $rows_read, $rows_rejected,
        $error, $now, $now)
ON CONFLICT (sha256, path) DO UPDATE SET
    status = excluded.status, same_as = excluded.same_as, encoding = excluded.encoding,
    rows_read = excluded.rows_read, rows_rejected = excluded.rows_rejected, error = excluded.error,
    last_read_at = excluded.last_read_at;
