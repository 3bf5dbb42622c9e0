-- The last entry number given per journal and year, in the files of other months.
SELECT journal, year(entry_date), max(CAST(split_part(entry_num, '-', 3) AS INTEGER))
FROM entries WHERE export_month <> $month
GROUP BY ALL;
