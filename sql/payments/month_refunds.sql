-- The refunds the closes of a month decided, one transfer each, with the payer's name.
WITH names AS (
    SELECT code, min(name) AS name FROM payers GROUP BY code
    UNION ALL
    SELECT 'U' || id, any_value(last_name || ' ' || first_name) FROM residents GROUP BY id
)
SELECT r.refund_id, sum(r.amount), coalesce(any_value(n.name), any_value(r.payer_code)), any_value(r.iban),
       any_value(r.bic), any_value(r.reason), any_value(r.execution_date)
FROM refunds r LEFT JOIN names n ON n.code = r.payer_code
WHERE r.run_month = $month
GROUP BY r.refund_id
ORDER BY r.refund_id;
