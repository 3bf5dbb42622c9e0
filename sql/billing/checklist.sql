-- The month's checklist, per establishment of the referential or of the préparation: its extract (files and when
-- first read), what the préparation drafted and what holds it, its latest validation, and what the month's
-- closes issued for it.
WITH codes AS (
    SELECT code AS establishment_code FROM establishments
    UNION
    SELECT establishment_code FROM prefacturation WHERE month = $month
),
extracts AS (
    SELECT a.establishment_code, string_agg(DISTINCT a.source_path, ', ' ORDER BY a.source_path) AS files,
           min(f.first_read_at) AS received
    FROM (SELECT DISTINCT establishment_code, source_path FROM activity_days WHERE month = $month) a
    LEFT JOIN input_files f ON f.path = a.source_path
    GROUP BY 1
),
latest AS (
    SELECT *, row_number() OVER (PARTITION BY establishment_code ORDER BY validated_at DESC, rowid DESC) AS rank
    FROM validations WHERE month = $month
),
issued AS (
    SELECT establishment_code, count(*) AS documents, sum(amount) AS amount
    FROM documents WHERE run_month = $month
    GROUP BY 1
)
SELECT c.establishment_code, coalesce(e.name, c.establishment_code) AS name, x.files, x.received,
       p.documents AS drafted, p.amount AS drafted_amount, p.blocked, p.fingerprint,
       v.validated_by, v.validated_at, v.issue_date, v.fingerprint AS seen, v.issued_at,
       coalesce(i.documents, 0) AS issued, coalesce(i.amount, 0) AS issued_amount
FROM codes c
LEFT JOIN establishments e ON e.code = c.establishment_code
LEFT JOIN extracts x USING (establishment_code)
LEFT JOIN prefacturation p ON p.month = $month AND p.establishment_code = c.establishment_code
LEFT JOIN latest v ON v.establishment_code = c.establishment_code AND v.rank = 1
LEFT JOIN issued i USING (establishment_code)
ORDER BY c.establishment_code;
