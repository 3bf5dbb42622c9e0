-- The refunds the closes of a month decided, one transfer each, with the payer's name.
SELECT r.refund_id, sum(r.amount), coalesce(any_value(n.name), any_value(r.payer_code)), any_value(r.iban),
       any_value(r.bic), any_value(r.reason), any_value(r.execution_date)
FROM refunds r LEFT JOIN payer_labels n ON n.code = r.payer_code
WHERE r.run_month = $month
GROUP BY r.refund_id
ORDER BY r.refund_id;
