-- factures/lignes.csv: the lines of those documents.
SELECT l.number, l.resident_id, l.category, l.quantity, l.unit_price, l.amount, l.label
FROM document_lines l
JOIN documents d USING (number)
WHERE d.run_month = $month
ORDER BY d.series DESC, d.year ASC, d.seq ASC, l.line_no ASC;
