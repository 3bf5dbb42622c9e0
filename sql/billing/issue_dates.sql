-- The issue date of the invoices that the month's credit notes and complementary invoices name.
SELECT DISTINCT o.number, o.issue_date
FROM documents d JOIN documents o ON o.number = d.original_number
WHERE d.run_month = $month;
