-- The files of the last successful referential load, to skip a reload when no file changed.
SELECT file, sha256 FROM referential_files WHERE status IN ('charge', 'inchange');
