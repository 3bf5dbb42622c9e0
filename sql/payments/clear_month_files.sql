-- The month's list of bank files is rebuilt at each close.
DELETE FROM bank_files WHERE month = $month;
