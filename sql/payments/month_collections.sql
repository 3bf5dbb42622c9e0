-- The presentations the closes of a month recorded, with what the direct debit file needs: the debtor's name is
-- the payer's (the resident as payer, or the payer of the referential).
SELECT c.number, c.amount, c.rum, c.signed_on, c.sequence, coalesce(n.name, c.payer_code), c.iban, c.bic,
       d.establishment_code, d.service_month, c.collection_date
FROM collections c
JOIN documents d USING (number)
LEFT JOIN payer_labels n ON n.code = c.payer_code
WHERE c.run_month = $month
ORDER BY c.collection_date, c.sequence, c.number, c.seq;
