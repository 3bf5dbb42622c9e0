-- The issue date of every document, for the credit notes that name the invoice they correct.
SELECT number, issue_date FROM documents;
