-- The issue date of the invoices that documents about to be issued name (their original_number).
SELECT number, issue_date FROM documents WHERE list_contains($numbers, number);
