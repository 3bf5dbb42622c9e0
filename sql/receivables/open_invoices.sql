-- The invoices with something open now, issued by a day, for the dunning engine.
SELECT b.number, b.payer_code, d.payer_type, b.issue_date, b.due_date, b.open_amount
FROM invoice_balances b JOIN documents d USING (number)
WHERE b.open_amount > 0 AND b.issue_date <= $on;
