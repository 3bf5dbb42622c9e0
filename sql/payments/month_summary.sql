-- What matching says for a month: lines by status up to its end, and allocations recorded by its closes.
SELECT s.status, count(*), coalesce(sum(l.amount), 0)::DECIMAL(18, 2)
FROM line_states s JOIN bank_lines l USING (line_id)
WHERE l.booking_date <= $cutoff
GROUP BY s.status ORDER BY s.status;
