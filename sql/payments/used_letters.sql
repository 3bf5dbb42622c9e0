-- How many letters each payer of the invoices the matching reads was ever given: a letter is never given twice,
-- the next one follows (matching.Lettering.used). Reading every letter event made the matching grow with the
-- history.
SELECT payer_code, count(DISTINCT letter) AS used
FROM letters
WHERE payer_code IN (SELECT payer_code FROM matching_invoices)
GROUP BY payer_code
ORDER BY payer_code;
