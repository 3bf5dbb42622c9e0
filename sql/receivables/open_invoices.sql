-- The invoices with something open now, issued by a day, for the dunning engine (kept as dunning_invoices
-- for issued.sql): above 0, to chase; below 0 (a credit note larger than what the invoice it names still
-- billed), what the payer is owed back, which covers his other invoices as a credit does.
CREATE OR REPLACE TEMP TABLE dunning_invoices AS
SELECT b.number, b.payer_code, d.payer_type, b.issue_date, b.due_date, b.open_amount
FROM invoice_balances b JOIN documents d USING (number)
WHERE b.open_amount <> 0 AND b.issue_date <= $on;

SELECT number, payer_code, payer_type, issue_date, due_date, open_amount FROM dunning_invoices;
