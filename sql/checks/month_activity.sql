-- The month's activity rows as its extracts gave them, for the row-level expectations: not the days an
-- establishment whose extract is held keeps in force until it is corrected (replace_activity_days.sql).
SELECT establishment_code, resident_id, day, code, source_path, source_line, source_column, held
FROM activity_days
WHERE month = $month
  AND (held OR establishment_code NOT IN (SELECT establishment_code FROM activity_days WHERE month = $month AND held))
ORDER BY source_path, source_line, source_column;
