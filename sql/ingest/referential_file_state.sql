-- The state of one referential file at this load.
INSERT INTO referential_files VALUES ($file, $path, $sha, $status, $error, $read, $rejected, $now);
