-- The open invoices of the payers with a mandate.
SELECT b.number, b.payer_code, b.issue_date, b.open_amount
FROM invoice_balances b SEMI JOIN mandates m ON m.payer_code = b.payer_code
WHERE b.open_amount > 0
ORDER BY b.payer_code, b.issue_date, b.number;
