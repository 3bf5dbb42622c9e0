-- Write-offs decided up to the month's end that no file carries yet, with the payer's name and auxiliary account
-- and the invoice's letter when it is settled.
SELECT 'NV-' || w.seq AS key, w.number, w.decided_on, w.amount, w.payer_code, coalesce(n.name, w.payer_code),
       coalesce(n.aux, w.payer_code), coalesce(b.letter, ''), b.settled_on
FROM write_offs w
LEFT JOIN payer_labels n ON n.code = w.payer_code
LEFT JOIN invoice_balances b ON b.number = w.number
WHERE w.decided_on <= $end
  AND 'NV-' || w.seq NOT IN (SELECT source FROM entries WHERE kind = 'non_valeur')
ORDER BY w.decided_on, w.seq;
