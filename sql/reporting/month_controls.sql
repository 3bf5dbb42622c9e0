-- Every control of a month (the referential's hold for every month), in the order of the stages.
SELECT control, stage, severity, status, value, detail, coalesce(examples, '[]'), evaluated_at
FROM control_results
WHERE month = $month OR (month = $all AND control NOT IN (SELECT control FROM control_results WHERE month = $month))
ORDER BY CASE stage WHEN 'referentiel' THEN 0 WHEN 'ingest' THEN 1 WHEN 'facturation' THEN 2
                    WHEN 'encaissements' THEN 3 WHEN 'comptabilite' THEN 4 WHEN 'recouvrement' THEN 5 ELSE 6 END,
         severity, control;
