-- A month's activity is read again whole: its files, its quarantined rows and the record of an earlier reading
-- by a later close go first (its days go once the extracts are read: replace_activity_days.sql).
DELETE FROM activity_hashes WHERE month = $month;
DELETE FROM activity_files WHERE month = $month;
DELETE FROM quarantine WHERE scope = 'activite' AND month = $month;
DELETE FROM activity_rereads WHERE month = $month;
