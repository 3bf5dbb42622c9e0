-- The letters of the reminders a month's closes sent on a day: one per payer and level, with the payer's
-- name and address as the documents give them (a resident's guardian from the referential).
SELECT r.payer_code, r.level, max(d.payer_type), max(d.payer_name), max(d.payer_address),
       max(CASE WHEN r.payer_code LIKE 'U%' THEN u.guardian END), list(r.number ORDER BY r.number)
FROM reminders r
JOIN documents d USING (number)
LEFT JOIN residents u ON 'U' || u.id = r.payer_code
WHERE r.run_month = $month AND r.day = $day AND r.level <> 'contentieux'
GROUP BY r.payer_code, r.level
ORDER BY r.payer_code, r.level;
