-- Every invoice with what is still open on it (amount + credit notes - allocations), and, for one its
-- credit notes alone brought to 0, the day of the last credit note.
SELECT number, payer_code, issue_date, open_amount,
       CASE WHEN amount + credited = 0 THEN last_credit END AS settled_on
FROM invoice_balances;
