-- Documents of a month's closes already rendered, with their file.
SELECT f.number, f.path, f.sha256
FROM document_files f JOIN documents d USING (number)
WHERE d.run_month = $month;
