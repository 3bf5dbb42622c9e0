-- What each credit note to enter takes off each invoice it corrects, latest invoice first, with that invoice's
-- letter when it is settled.
SELECT k.number, k.corrected, sum(k.amount)::DECIMAL(18, 2), coalesce(any_value(b.letter), ''),
       any_value(b.settled_on)
FROM document_corrections k
JOIN documents o ON o.number = k.corrected
LEFT JOIN invoice_balances b ON b.number = k.corrected
WHERE k.number IN (SELECT unnest($numbers))
GROUP BY k.number, k.corrected, o.year, o.seq
ORDER BY k.number ASC, o.year DESC, o.seq DESC;
