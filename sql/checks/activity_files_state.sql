-- The month's unreadable extracts.
SELECT path, error
FROM activity_files
WHERE month = $month AND status = 'illisible'
ORDER BY path;
