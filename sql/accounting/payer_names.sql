-- Names and auxiliary accounts of every payer: financeurs.csv, and the residents as private payers.
SELECT code, name, coalesce(nullif(auxiliary_account, ''), code) FROM payers
UNION ALL
SELECT 'U' || id, last_name || ' ' || first_name, 'U' || id FROM residents;
