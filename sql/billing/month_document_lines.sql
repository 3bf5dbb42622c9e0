-- Their lines.
SELECT l.*
FROM document_lines l JOIN documents d USING (number)
WHERE d.run_month = $month
ORDER BY l.number, l.line_no;
