-- The valued days of the pairs of `stale`, just valued again, counted per establishment and month (schema 21:
-- valued_months, its three groupings); the year to date reads these counts.
INSERT INTO valued_months
SELECT v.month, v.establishment_code, v.payer_code, v.rate_mode, grouping(v.payer_code, v.rate_mode) AS grain,
       count(DISTINCT v.resident_id || v.day) FILTER (WHERE v.state = 'facture') AS billed_days,
       count(DISTINCT v.resident_id || v.day) FILTER (WHERE v.code = 'P' AND v.stay_mode IS NOT NULL) AS present_days,
       count(DISTINCT v.resident_id || v.day) FILTER (WHERE v.state = 'en_attente') AS held_days,
       count(*) FILTER (WHERE v.state = 'facture') AS billed_rows,
       count(*) FILTER (WHERE v.code = 'P' AND v.stay_mode IS NOT NULL) AS present_rows
FROM valued_days v
JOIN stale s ON s.month = v.month AND s.establishment_code = v.establishment_code
GROUP BY GROUPING SETS ((v.month, v.establishment_code), (v.month, v.establishment_code, v.payer_code),
                        (v.month, v.establishment_code, v.rate_mode));
