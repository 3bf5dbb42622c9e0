-- The controls of a month: its own, and the referential's (recorded under $all, they hold for every month).
SELECT control, severity, status, value, detail
FROM control_results
WHERE month = $month OR (month = $all AND control NOT IN (SELECT control FROM control_results WHERE month = $month))
ORDER BY CASE stage WHEN 'referentiel' THEN 0 WHEN 'ingest' THEN 1 ELSE 2 END, control;
