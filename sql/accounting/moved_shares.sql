-- What each of the receipts moved_receipts.sql names allocates now, per payer.
SELECT a.line_id, d.payer_code, sum(a.amount)::DECIMAL(18, 2)
FROM allocations a JOIN documents d USING (number)
WHERE a.line_id IN (SELECT unnest($ids::VARCHAR[]))
GROUP BY ALL
HAVING sum(a.amount) <> 0
ORDER BY 1, 2;
