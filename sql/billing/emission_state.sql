-- Per establishment of the month's préparation: its fingerprint, documents to issue and what holds it, and its
-- latest validation when it still waits for its émission (fingerprint seen, issue date, by whom).
WITH latest AS (
    SELECT *, row_number() OVER (PARTITION BY establishment_code ORDER BY validated_at DESC, rowid DESC) AS rank
    FROM validations
    WHERE month = $month
)
SELECT p.establishment_code, p.fingerprint, p.documents, p.blocked,
       v.establishment_code IS NOT NULL AS validated, v.fingerprint AS seen, v.issue_date, v.validated_by
FROM prefacturation p
LEFT JOIN latest v ON v.establishment_code = p.establishment_code AND v.rank = 1 AND v.issued_at IS NULL
WHERE p.month = $month
ORDER BY p.establishment_code;
