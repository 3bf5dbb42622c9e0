-- Establishments and residents that activity rows may name.
SELECT 'establishment' AS kind, code AS key FROM establishments
UNION ALL
SELECT 'resident', id FROM residents;
