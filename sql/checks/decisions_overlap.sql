-- docs/rules.md B4: two funding decisions (granted or pending) of one resident in one establishment that share
-- a day, so that the payer of that day is ambiguous. Refused decisions do not count.
SELECT a.resident_id, a.establishment_code, a.src_line AS line_a, b.src_line AS line_b,
       greatest(a.start_date, b.start_date) AS first_common_day
FROM funding_decisions a
JOIN funding_decisions b
  ON a.resident_id = b.resident_id AND a.establishment_code = b.establishment_code AND a.src_line < b.src_line
 AND a.status <> 'refusee' AND b.status <> 'refusee'
 AND a.start_date <= coalesce(b.end_date, DATE '9999-12-31')
 AND b.start_date <= coalesce(a.end_date, DATE '9999-12-31')
ORDER BY 1, 2, 3, 4;
