-- Record the month's activity extracts at once (the frame `files_read`, one row per file): each version in
-- the registry of input files (or its last reading refreshed), and what became of it this month.
INSERT INTO input_files
    (sha256, path, kind, month, size_bytes, status, same_as, encoding, rows_read, rows_rejected, error,
     first_read_at, last_read_at)
SELECT sha256, path, kind, month, size_bytes, status, same_as, encoding, rows_read, rows_rejected, error, now, now
FROM files_read
ON CONFLICT (sha256, path) DO UPDATE SET
    status = excluded.status, same_as = excluded.same_as, encoding = excluded.encoding,
    rows_read = excluded.rows_read, rows_rejected = excluded.rows_rejected, error = excluded.error,
    last_read_at = excluded.last_read_at;
INSERT INTO activity_files
    (month, path, sha256, form, encoding, status, same_as, error, rows_read, rows_rejected, stamp)
SELECT month, path, sha256, form, encoding, status, same_as, error, rows_read, rows_rejected, stamp FROM files_read;
