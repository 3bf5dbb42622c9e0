-- What became of one activity extract of the month.
INSERT INTO activity_files
VALUES ($month, $path, $sha256, $form, $encoding, $status, $same_as, $error, $rows_read, $rows_rejected);
