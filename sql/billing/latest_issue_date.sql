-- The latest issue date of any document, NULL before the first.
SELECT max(issue_date) FROM documents;
