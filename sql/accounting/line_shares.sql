-- What each bank line to enter allocated, per payer and invoice, with the payer's name and auxiliary account,
-- and the invoice's letter when it is settled. The lines to enter: those dated up to the month's end that no
-- file carries yet (every allocation to date was 130,000 rows at month 24 of a 12,000-resident association, for
-- a few thousand lines to enter). A line an earlier file entered: moved_receipts.sql.
SELECT a.line_id, b.payer_code, max(d.payer_name), coalesce(max(nullif(p.auxiliary_account, '')), b.payer_code),
       sum(a.amount)::DECIMAL(18, 2), max(b.letter), max(b.settled_on), a.number
FROM allocations a
JOIN invoice_balances b USING (number)
JOIN documents d USING (number)
LEFT JOIN payers p ON p.code = b.payer_code
WHERE a.line_id IN (
    SELECT line_id FROM bank_lines
    WHERE booking_date <= $end AND line_id NOT IN (SELECT source FROM entries WHERE kind = 'encaissement')
)
GROUP BY a.line_id, b.payer_code, a.number
HAVING sum(a.amount) <> 0
ORDER BY a.line_id, b.payer_code, a.number;
