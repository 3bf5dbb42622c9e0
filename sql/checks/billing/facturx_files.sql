-- The Factur-X files of a month's closes, with what their XML must say.
SELECT d.number, d.type, d.amount, f.path
FROM documents d JOIN document_files f USING (number)
WHERE d.run_month = $month AND f.facturx
ORDER BY d.number;
