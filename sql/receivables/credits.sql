-- What the receipts of each payer left unallocated by a day (the surplus of a line that settled the invoices it
-- named: status credit), for the dunning engine: it is not chased for what that covers.
SELECT s.payer_code, sum(s.unallocated) AS credit
FROM line_states s JOIN bank_lines l USING (line_id)
WHERE s.status = 'credit' AND s.unallocated > 0 AND coalesce(s.payer_code, '') <> '' AND l.booking_date <= $on
GROUP BY s.payer_code
ORDER BY s.payer_code;
