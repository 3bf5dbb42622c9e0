-- The invoices a letter lists: those reminded, or for a public payer all its open invoices.
SELECT b.number, b.service_month, b.issue_date, b.due_date, b.amount, b.open_amount
FROM invoice_balances b
WHERE b.payer_code = $payer AND b.open_amount > 0 AND b.issue_date <= $day
  AND ($public OR list_contains($numbers, b.number))
ORDER BY b.due_date, b.number;
