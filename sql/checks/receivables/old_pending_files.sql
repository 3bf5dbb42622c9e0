-- Pending funding files (en instruction) older than 90 days at the month's end that hold billed days.
SELECT f.payer_code AS code_financeur, f.establishment_code AS code_etablissement, f.resident_id AS id_usager,
       min(f.start_date) AS depuis, date_diff('day', min(f.start_date), $end) AS jours,
       sum(v.amount)::DECIMAL(18, 2) AS montant_retenu
FROM funding_decisions f
JOIN valued_days v ON v.resident_id = f.resident_id AND v.payer_code = f.payer_code
     AND v.establishment_code = f.establishment_code AND v.state = 'en_attente' AND v.day <= $end
WHERE f.status = 'en_instruction'
GROUP BY f.payer_code, f.establishment_code, f.resident_id
HAVING date_diff('day', min(f.start_date), $end) > 90
ORDER BY jours DESC, code_financeur ASC, id_usager ASC;
