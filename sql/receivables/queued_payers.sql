-- Payers with a receipt waiting in the unmatched queue (its probable payer, or each payer whose invoices its
-- text names), by a day.
SELECT DISTINCT unnest(string_split(s.payer_code, ',')) AS payer_code
FROM line_states s JOIN bank_lines l USING (line_id)
WHERE s.status = 'non_rapproche' AND coalesce(s.payer_code, '') <> '' AND l.booking_date <= $on;
