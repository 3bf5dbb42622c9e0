-- recouvrement/dossiers_en_instruction.csv: each pending funding file that holds billed days at the
-- month's end: payer, establishment, resident, since when, its age, the months and amount held.
SELECT f.payer_code, f.establishment_code, f.resident_id, min(f.start_date) AS since,
       date_diff('day', min(f.start_date), $end) AS age_days,
       count(DISTINCT v.month) AS months, count(*) AS days, sum(v.amount)::DECIMAL(18, 2) AS held,
       date_diff('day', min(f.start_date), $end) > 90 AS alert
FROM funding_decisions f
JOIN valued_days v ON v.resident_id = f.resident_id AND v.payer_code = f.payer_code
     AND v.establishment_code = f.establishment_code AND v.state = 'en_attente' AND v.day <= $end
WHERE f.status = 'en_instruction'
GROUP BY f.payer_code, f.establishment_code, f.resident_id
ORDER BY age_days DESC, f.payer_code ASC, f.resident_id ASC;
