-- The activity rows of the month set aside (or a value ignored), per establishment, with file, line, column and
-- reason (never the value: a misplaced cell may hold a name). A file belongs to the establishments of the rows
-- kept from it; a file with none kept, to the establishment whose code its name holds.
WITH owners AS (
    SELECT DISTINCT source_path AS path, establishment_code FROM activity_days WHERE month = $month
),
named AS (
    SELECT DISTINCT q.path, e.code AS establishment_code
    FROM quarantine q JOIN establishments e
      ON upper(regexp_replace(q.path, '^.*/', '')) LIKE '%' || upper(e.code) || '%'
    WHERE q.scope = 'activite' AND q.month = $month AND q.path NOT IN (SELECT path FROM owners)
)
SELECT o.establishment_code, q.path, q.line, q.column_name, q.reason, q.kept
FROM quarantine q JOIN (SELECT * FROM owners UNION SELECT * FROM named) o ON o.path = q.path
WHERE q.scope = 'activite' AND q.month = $month
ORDER BY o.establishment_code, q.path, q.line NULLS FIRST, q.column_name;
