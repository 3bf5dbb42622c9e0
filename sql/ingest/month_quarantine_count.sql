-- Activity rows of a month set aside.
SELECT count(*) FROM quarantine WHERE scope = 'activite' AND month = $month;
