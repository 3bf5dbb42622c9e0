-- What a month's close says of payments: allocations recorded by its closes (count, amount), invoices
-- settled, and lines up to its end waiting for a decision (count, amount).
SELECT (SELECT count(*) FROM allocations WHERE run_month = $month),
       (SELECT coalesce(sum(amount), 0) FROM allocations WHERE run_month = $month),
       (SELECT count(*) FROM letters WHERE run_month = $month AND event = 'lettre'),
       (SELECT count(*) FROM line_states s JOIN bank_lines l USING (line_id)
        WHERE s.status = 'non_rapproche' AND l.booking_date <= $cutoff),
       (SELECT coalesce(sum(l.amount), 0) FROM line_states s JOIN bank_lines l USING (line_id)
        WHERE s.status = 'non_rapproche' AND l.booking_date <= $cutoff);
