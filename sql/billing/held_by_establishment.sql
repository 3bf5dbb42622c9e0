-- Held days (pending funding decisions) of the open months, per establishment, resident, payer and month.
SELECT establishment_code, resident_id, payer_code, month, count(*) AS days, sum(amount) AS amount
FROM valued_days
WHERE state = 'en_attente' AND month BETWEEN $first_month AND $last_month
GROUP BY ALL
ORDER BY ALL;
