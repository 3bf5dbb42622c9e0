-- The invoices write-off decisions name, with their payer and what is still open on them.
SELECT number, payer_code, open_amount FROM invoice_balances WHERE number IN (SELECT unnest($numbers));
