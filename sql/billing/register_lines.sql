-- factures/lignes.csv: the lines of those documents.
SELECT l.number, l.resident_id, l.category, l.quantity, l.unit_price, l.amount, l.label
FROM document_lines l
JOIN documents d USING (number)
WHERE d.run_month = $month
ORDER BY d.series DESC, d.year, d.seq, l.line_no;
