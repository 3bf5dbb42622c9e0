-- Documents whose total is not the sum of their lines, lines whose amount is not quantity x unit price,
-- invoices not positive, credit notes not negative, or whose corrections do not add up to their amount or name
-- something other than an invoice of the same payer.
WITH totals AS (
    SELECT number, sum(amount) AS lines_amount, count(*) FILTER (WHERE amount <> quantity * unit_price) AS bad_lines
    FROM document_lines GROUP BY 1
), corrections AS (
    SELECT k.number, sum(k.amount) AS corrected,
           count(*) FILTER (WHERE o.number IS NULL OR o.type <> 'facture' OR o.payer_code <> c.payer_code) AS bad
    FROM document_corrections k
    JOIN documents c ON c.number = k.number
    LEFT JOIN documents o ON o.number = k.corrected
    GROUP BY k.number
)
SELECT d.number, d.type, d.amount, t.lines_amount, coalesce(t.bad_lines, 0) AS bad_lines, d.original_number
FROM documents d
LEFT JOIN totals t USING (number)
LEFT JOIN corrections k USING (number)
WHERE d.amount IS DISTINCT FROM t.lines_amount
   OR coalesce(t.bad_lines, 0) > 0
   OR (d.type = 'facture' AND d.amount <= 0)
   OR (d.type = 'avoir' AND (d.amount >= 0 OR k.corrected IS DISTINCT FROM d.amount OR k.bad > 0))
ORDER BY d.number;
