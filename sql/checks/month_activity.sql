-- The month's stored activity rows, for the row-level expectations.
SELECT establishment_code, resident_id, day, code, source_path, source_line, source_column, held
FROM activity_days WHERE month = $month
ORDER BY source_path, source_line, source_column;
