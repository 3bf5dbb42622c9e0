-- tresorerie/remboursements.csv: the refunds the closes of a month decided, one row each.
SELECT refund_id, any_value(payer_code), sum(amount), any_value(execution_date), any_value(reason)
FROM refunds WHERE run_month = $month GROUP BY refund_id ORDER BY refund_id;
