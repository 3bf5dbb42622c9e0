-- What each bank line allocated, per payer, with the payer's name and auxiliary account, and the letter
-- its invoices share when they all share one.
SELECT a.line_id, b.payer_code, max(d.payer_name), coalesce(max(nullif(p.auxiliary_account, '')), b.payer_code),
       sum(a.amount)::DECIMAL(18, 2), CASE WHEN count(DISTINCT coalesce(b.letter, '')) = 1 THEN max(b.letter) END,
       max(b.settled_on)
FROM allocations a
JOIN invoice_balances b USING (number)
JOIN documents d USING (number)
LEFT JOIN payers p ON p.code = b.payer_code
GROUP BY a.line_id, b.payer_code
HAVING sum(a.amount) <> 0;
