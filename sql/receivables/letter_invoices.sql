-- The open invoices of the payers written to on $day, once for all their letters: a letter lists those it
-- reminds, or for a public payer all of them (assets/receivables/letters.py picks).
-- With what the payer's credits paid of each (rule credit).
SELECT b.payer_code, b.number, b.service_month, b.issue_date, b.due_date, b.amount, b.open_amount,
       coalesce(c.applied, 0)::DECIMAL(18, 2)
FROM invoice_balances b
LEFT JOIN (SELECT number, sum(amount) AS applied FROM allocations WHERE rule = 'credit' GROUP BY number) c
       USING (number)
WHERE list_contains($payers, b.payer_code) AND b.open_amount > 0 AND b.issue_date <= $day
ORDER BY b.payer_code, b.due_date, b.number;
