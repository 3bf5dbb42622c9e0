DELETE FROM aged_balance WHERE month = $month;
DELETE FROM dso WHERE month = $month;
