-- The account a payer is refunded to: its mandate's (the latest signed), else the referential's IBAN.
SELECT payer_code, arg_max(iban, signed_on), arg_max(bic, signed_on) FROM mandates GROUP BY payer_code
UNION ALL
SELECT code, min(iban), NULL FROM payers
WHERE coalesce(iban, '') <> '' AND code NOT IN (SELECT payer_code FROM mandates) GROUP BY code
UNION ALL
SELECT 'U' || id, min(iban), NULL FROM residents
WHERE coalesce(iban, '') <> '' AND 'U' || id NOT IN (SELECT payer_code FROM mandates) GROUP BY id;
