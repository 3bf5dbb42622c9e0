-- The latest issue date of a document (NULL before the first).
SELECT max(issue_date) FROM documents;
