-- The mandates of referentiel/mandats.csv as last read.
SELECT payer_code, iban, coalesce(bic, ''), rum, signed_on, ends_on, sequence FROM mandates ORDER BY payer_code;
