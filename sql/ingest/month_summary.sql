-- What the month's activity came to: files read, days stored, days held (B1).
SELECT
    (SELECT count(*) FROM activity_files WHERE month = $month) AS files,
    (SELECT count(*) FROM activity_days WHERE month = $month) AS days,
    (SELECT count(*) FROM activity_days WHERE month = $month AND held) AS held;
