-- What was billed per month of issue (invoices minus credit notes), overall and per payer type, up to a day.
SELECT strftime(issue_date, '%Y-%m') AS month, payer_type, sum(amount)::DECIMAL(18, 2)
FROM documents WHERE issue_date <= $end
GROUP BY ALL ORDER BY month DESC;
