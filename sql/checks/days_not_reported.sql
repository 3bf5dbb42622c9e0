-- Days of a stay in the month with no activity row ("jours non renseignés"), per resident and stay.
WITH days AS (
    SELECT s.resident_id, s.establishment_code, s.src_line, unnest(generate_series(
        greatest(s.entry_date, $first), least(coalesce(s.exit_date - 1, $last), $last), INTERVAL 1 DAY
    ))::DATE AS day
    FROM stays s
    WHERE s.entry_date <= $last AND (s.exit_date IS NULL OR s.exit_date > $first)
)
SELECT d.establishment_code, d.resident_id, count(*) AS days_missing, min(d.day) AS first_day
FROM days d
WHERE NOT EXISTS (
    SELECT 1 FROM activity_days a
    WHERE a.month = $month AND a.resident_id = d.resident_id
      AND a.establishment_code = d.establishment_code AND a.day = d.day)
GROUP BY 1, 2
ORDER BY 1, 2;
