-- Payers with a credit older than the refund delay and no account to refund it to: no mandate, no IBAN in the
-- referential (codes, dates and amounts; no name).
WITH accounts AS (
    SELECT payer_code AS code FROM mandates
    UNION SELECT code FROM payers WHERE coalesce(iban, '') <> ''
    UNION SELECT 'U' || id FROM residents WHERE coalesce(iban, '') <> ''
)
SELECT s.payer_code AS code_financeur, min(l.booking_date) AS depuis, sum(s.unallocated) AS credit
FROM line_states s JOIN bank_lines l USING (line_id)
WHERE s.status = 'credit' AND s.unallocated > 0 AND coalesce(s.payer_code, '') <> '' AND s.payer_code NOT LIKE '%,%'
  AND l.booking_date <= $since AND s.payer_code NOT IN (SELECT code FROM accounts)
GROUP BY s.payer_code
ORDER BY s.payer_code;
