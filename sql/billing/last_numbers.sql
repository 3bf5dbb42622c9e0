-- The last number and issue date of each series of the year.
SELECT series, max(seq), max(issue_date)
FROM documents
WHERE year = $year
GROUP BY series;
