-- lettrage/rapprochements.csv: the allocations recorded by the closes of a month (docs/contract.md), with the
-- payer and the invoice's letter code now.
SELECT a.line_id, l.booking_date, l.amount, a.number, a.amount, a.rule, b.payer_code, b.letter, b.settled_on
FROM allocations a
JOIN bank_lines l USING (line_id)
JOIN invoice_balances b USING (number)
WHERE a.run_month = $month
ORDER BY a.seq;
