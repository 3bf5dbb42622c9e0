-- docs/rules.md B3: two rate periods of the same establishment and rate mode that share a day.
SELECT a.establishment_code, a.rate_mode, a.src_line AS line_a, b.src_line AS line_b,
       greatest(a.start_date, b.start_date) AS first_common_day
FROM rates a
JOIN rates b
  ON a.establishment_code = b.establishment_code AND a.rate_mode = b.rate_mode AND a.src_line < b.src_line
 AND a.start_date <= coalesce(b.end_date, DATE '9999-12-31')
 AND b.start_date <= coalesce(a.end_date, DATE '9999-12-31')
ORDER BY 1, 2, 3, 4;
