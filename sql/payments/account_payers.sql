-- The payers whose invoices each of these accounts ($ibans, normalised) paid before.
SELECT DISTINCT upper(regexp_replace(b.debtor_iban, '[^A-Za-z0-9]', '', 'g')) AS iban, d.payer_code
FROM allocations a
JOIN bank_lines b USING (line_id)
JOIN documents d ON d.number = a.number
WHERE upper(regexp_replace(coalesce(b.debtor_iban, ''), '[^A-Za-z0-9]', '', 'g')) IN (SELECT unnest($ibans::VARCHAR[]));
