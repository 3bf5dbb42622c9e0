-- factures/en_attente.csv: days valued for a payer whose decision is pending, held until it is decided,
-- per resident, payer, establishment and month, with the age of the pending file on $as_of.
WITH held AS (
    SELECT resident_id, payer_code, establishment_code, month, count(*) AS days, sum(amount) AS amount,
           any_value(decision_ref) AS decision_ref
    FROM valued_days
    WHERE state = 'en_attente' AND month BETWEEN $first_month AND $last_month
    GROUP BY ALL
),
files AS (
    SELECT resident_id, payer_code, establishment_code, min(start_date) AS opened
    FROM funding_decisions WHERE status = 'en_instruction'
    GROUP BY ALL
)
SELECT h.resident_id, h.payer_code, h.establishment_code, h.month, h.days, h.amount, f.opened,
       date_diff('day', f.opened, $as_of) AS age_days, h.decision_ref
FROM held h
LEFT JOIN files f USING (resident_id, payer_code, establishment_code)
ORDER BY h.payer_code, h.establishment_code, h.resident_id, h.month;
