-- What became of a bank or receipt file at this close.
INSERT INTO bank_files (month, path, kind, sha256, status, same_as, error, rows_read, rows_rejected)
VALUES ($month, $path, $kind, $sha256, $month_status, $same_as, $error, $rows_read, $rows_rejected);
