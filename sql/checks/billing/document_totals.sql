-- Documents whose total is not the sum of their lines, lines whose amount is not quantity x unit price,
-- invoices not positive, credit notes not negative or not naming an invoice of the same payer.
WITH totals AS (
    SELECT number, sum(amount) AS lines_amount, count(*) FILTER (WHERE amount <> quantity * unit_price) AS bad_lines
    FROM document_lines GROUP BY 1
)
SELECT d.number, d.type, d.amount, t.lines_amount, coalesce(t.bad_lines, 0) AS bad_lines, d.original_number
FROM documents d
LEFT JOIN totals t USING (number)
LEFT JOIN documents o ON o.number = d.original_number
WHERE d.amount IS DISTINCT FROM t.lines_amount
   OR coalesce(t.bad_lines, 0) > 0
   OR (d.type = 'facture' AND d.amount <= 0)
   OR (d.type = 'avoir' AND (d.amount >= 0 OR o.number IS NULL OR o.type <> 'facture'
                             OR o.payer_code <> d.payer_code))
ORDER BY d.number;
