-- Referential files absent or unreadable at the last load.
SELECT file, status, coalesce(error, file || ' : ' || status)
FROM referential_files
WHERE status IN ('absent', 'illisible')
ORDER BY file;
