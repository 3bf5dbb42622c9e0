-- Receipts and returns dated up to the month's end that no file carries yet (not the lines a decision
-- says are not ours, nor money going out, nor other currencies).
SELECT l.line_id, l.booking_date, l.amount, coalesce(l.mode, ''), coalesce(s.payer_code, '')
FROM bank_lines l JOIN line_states s USING (line_id)
WHERE l.booking_date <= $end
  AND s.status IN ('rapproche', 'credit', 'non_rapproche', 'rejet', 'rejete')
  AND l.line_id NOT IN (SELECT source FROM entries WHERE kind = 'encaissement')
ORDER BY l.booking_date, l.line_id;
