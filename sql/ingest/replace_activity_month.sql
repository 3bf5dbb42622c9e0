-- A month's activity is replaced whole: its days, its files and its quarantined rows.
DELETE FROM activity_days WHERE month = $month;
DELETE FROM activity_hashes WHERE month = $month;
DELETE FROM activity_files WHERE month = $month;
DELETE FROM quarantine WHERE scope = 'activite' AND month = $month;
