DELETE FROM reciprocity WHERE month = $month;
DELETE FROM quarantine WHERE scope = 'comptabilite' AND month = $month;
