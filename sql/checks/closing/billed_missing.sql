-- The residents, payers and stays that documents of the months a close recomputes ($since on) were issued to
-- or for, and that the referential no longer has: without them, the close would value their billed days at
-- nothing and credit what was issued (a resident whose id lost its zeros in usagers.csv was credited whole).
WITH recent AS (
    SELECT number, payer_code, payer_type, establishment_code FROM documents WHERE service_month >= $since
),
billed AS (
    SELECT DISTINCT l.resident_id, r.establishment_code FROM document_lines l JOIN recent r USING (number)
)
SELECT 'usager' AS absent, resident_id AS identifiant, min(establishment_code) AS etablissement
FROM billed WHERE resident_id NOT IN (SELECT id FROM residents) GROUP BY resident_id
UNION ALL
SELECT 'financeur', payer_code, min(establishment_code)
FROM recent WHERE payer_type <> 'usager' AND payer_code NOT IN (SELECT code FROM payers) GROUP BY payer_code
UNION ALL
SELECT 'sejour', b.resident_id, b.establishment_code
FROM billed b
WHERE b.resident_id IN (SELECT id FROM residents)
  AND NOT EXISTS (SELECT 1 FROM stays s
                  WHERE s.resident_id = b.resident_id AND s.establishment_code = b.establishment_code)
ORDER BY 1, 2, 3;
