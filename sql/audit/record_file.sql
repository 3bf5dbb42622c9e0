-- The hash of an output file its writer just wrote (path under sorties/), replacing the one recorded before.
DELETE FROM output_files WHERE path = $path;
INSERT INTO output_files VALUES ($path, $sha256);
