-- Entries of the month whose debits and credits differ.
SELECT journal, entry_num, sum(debit) AS debit, sum(credit) AS credit
FROM entries WHERE export_month = $month
GROUP BY journal, entry_num HAVING sum(debit) <> sum(credit)
ORDER BY journal, entry_num;
