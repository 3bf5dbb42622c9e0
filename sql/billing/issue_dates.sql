-- The issue date of every invoice that the month's credit notes and complementary invoices name
-- (original_number may name several, separated by commas).
SELECT DISTINCT o.number, o.issue_date
FROM documents d
CROSS JOIN unnest(string_split(d.original_number, ',')) named (number)
JOIN documents o ON o.number = trim(named.number)
WHERE d.run_month = $month AND d.original_number IS NOT NULL;
