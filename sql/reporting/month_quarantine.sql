-- The input rows set aside for a month (and the referential's), with file, line, column and reason; never
-- the value itself (a misplaced cell may hold a name).
SELECT scope, path, line, column_name, reason, kept
FROM quarantine
WHERE month = $month OR (scope IN ('referentiel', 'mandats', 'previsions') AND month IS NULL)
ORDER BY scope, path, line NULLS FIRST, column_name;
