-- Every payer code and who it is: institutional payers, and each resident as a private payer (U + id),
-- whose letters go to the guardian when there is one.
SELECT code, any_value(name), any_value(address), any_value(siret), any_value(service_code), any_value(iban),
       any_value(payment_delay_days), NULL
FROM payers GROUP BY code
UNION ALL
SELECT 'U' || id, any_value(last_name || ' ' || first_name), any_value(address), NULL, NULL, any_value(iban),
       NULL, any_value(nullif(guardian, ''))
FROM residents GROUP BY id;
