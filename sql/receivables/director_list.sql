-- recouvrement/contentieux.csv: what goes to the director: invoices in contentieux (sent by the month's
-- closes) and invoices held by a dispute.
SELECT r.number, r.payer_code, b.open_amount, date_diff('day', b.due_date, r.day) AS days_late, 'contentieux'
FROM reminders r JOIN invoice_balances b USING (number)
WHERE r.level = 'contentieux' AND r.run_month = $month
UNION ALL
SELECT h.number, h.payer_code, b.open_amount, date_diff('day', b.due_date, $on), 'litige'
FROM dunning_holds h JOIN invoice_balances b USING (number)
WHERE h.month = $month AND h.reason = 'litige'
ORDER BY 5, 2, 1;
