-- Establishments billed per day (prix_journee) with a stay in the month and no activity for it, neither read
-- now nor kept in force from an earlier reading: nothing of theirs would be billed (an extract absent,
-- unreadable, wholly set aside, or one of two versions). Held rows (B1) are activity: their own control says so.
SELECT e.code AS establishment_code, count(DISTINCT s.resident_id) AS residents
FROM establishments e
JOIN stays s ON s.establishment_code = e.code
WHERE e.billing = 'prix_journee'
  AND s.entry_date <= $last AND (s.exit_date IS NULL OR s.exit_date > $first)
  AND NOT EXISTS (SELECT 1 FROM activity_days a WHERE a.month = $month AND a.establishment_code = e.code)
GROUP BY 1
ORDER BY 1;
