-- Each known payer's credit, line by line, dated up to the month's end: the line's unallocated rest and the day
-- it became a credit (the line's date, or the latest day a credit note freed part of what it had paid).
SELECT s.line_id, s.payer_code, s.unallocated,
       greatest(l.booking_date, coalesce(f.freed, l.booking_date)) AS since
FROM line_states s
JOIN bank_lines l USING (line_id)
LEFT JOIN (
    SELECT line_id, max(allocated_on) AS freed FROM allocations WHERE rule = 'credit' AND amount < 0 GROUP BY line_id
) f USING (line_id)
WHERE s.status = 'credit' AND s.unallocated > 0 AND coalesce(s.payer_code, '') <> ''
  AND s.payer_code NOT LIKE '%,%' AND l.booking_date <= $cutoff
ORDER BY since, s.line_id;
