DELETE FROM call_tasks WHERE month = $month;
DELETE FROM dunning_holds WHERE month = $month;
DELETE FROM quarantine WHERE scope = 'relances' AND month = $month;
