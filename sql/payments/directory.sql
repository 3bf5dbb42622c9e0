-- Who pays from which account and under which names: the payers of financeurs.csv, and each resident as
-- private payer (U + id) under its own name and its guardian's (the text before the first comma, without
-- what is in brackets).
SELECT code, coalesce(iban, ''), name, '' FROM payers
UNION ALL
SELECT 'U' || id, coalesce(iban, ''), last_name || ' ' || first_name,
       trim(regexp_replace(split_part(coalesce(guardian, ''), ',', 1), '\(.*\)', '', 'g'))
FROM residents;
