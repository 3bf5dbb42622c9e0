-- What the lines left out of this close still tell it (matching.Settled). First, each account that paid
-- invoices by reference or by decision, with the payers of the invoices it still settles: an account the
-- referential does not know is learnt from them.
SELECT DISTINCT 'account' AS kind, b.debtor_iban, d.payer_code
FROM (
    SELECT line_id, number FROM allocations ANTI JOIN matching_lines USING (line_id)
    GROUP BY line_id, number HAVING sum(amount) <> 0
) n
JOIN bank_lines b USING (line_id)
JOIN documents d ON d.number = n.number
WHERE b.booking_date <= $cutoff AND coalesce(b.debtor_iban, '') <> ''
  AND n.line_id IN (SELECT line_id FROM allocations WHERE rule IN ('manuel', 'reference'))
UNION ALL
-- then the debits reversed by a return left out: not returned twice
SELECT 'taken', s.reverses, NULL
FROM line_states s ANTI JOIN matching_lines m USING (line_id)
WHERE s.status = 'rejet' AND coalesce(s.reverses, '') <> '';
