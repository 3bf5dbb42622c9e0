-- Two stays of one resident in one establishment that share a day (the exit day is not a day of the
-- stay): the day's stay, rate mode and payer would be ambiguous.
SELECT a.resident_id, a.establishment_code, a.src_line AS line_a, b.src_line AS line_b,
       greatest(a.entry_date, b.entry_date) AS first_common_day
FROM stays a
JOIN stays b
  ON a.resident_id = b.resident_id AND a.establishment_code = b.establishment_code AND a.src_line < b.src_line
 AND a.entry_date < coalesce(b.exit_date, DATE '9999-12-31')
 AND b.entry_date < coalesce(a.exit_date, DATE '9999-12-31')
ORDER BY 1, 2, 3, 4;
