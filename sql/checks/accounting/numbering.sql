-- Entry numbers per journal and year that do not run 1..n without gap, in date order.
WITH numbers AS (
    SELECT DISTINCT journal, entry_num, year(entry_date) AS year, entry_date,
           CAST(split_part(entry_num, '-', 3) AS INTEGER) AS seq
    FROM entries
), ranked AS (
    SELECT *, row_number() OVER (PARTITION BY journal, year ORDER BY seq) AS expected,
           max(entry_date) OVER (PARTITION BY journal, year ORDER BY seq
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS latest_before
    FROM numbers
)
SELECT journal, entry_num, entry_date FROM ranked
WHERE seq <> expected OR entry_date < latest_before
ORDER BY journal, entry_num;
