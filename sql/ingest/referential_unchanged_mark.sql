-- No referential file changed: the last load stands.
UPDATE referential_files SET status = 'inchange', loaded_at = $now;
