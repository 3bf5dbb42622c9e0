-- docs/rules.md B2: activity rows of the month that no stay of the resident in that establishment covers
-- (date_entree <= day < date_sortie). Held rows are left to the duplicates control.
SELECT d.establishment_code, d.resident_id, d.day, d.code, d.source_path, d.source_line
FROM activity_days d
WHERE d.month = $month AND NOT d.held
  AND NOT EXISTS (
      SELECT 1 FROM stays s
      WHERE s.resident_id = d.resident_id AND s.establishment_code = d.establishment_code
        AND s.entry_date <= d.day AND (s.exit_date IS NULL OR d.day < s.exit_date))
ORDER BY d.establishment_code, d.resident_id, d.day;
