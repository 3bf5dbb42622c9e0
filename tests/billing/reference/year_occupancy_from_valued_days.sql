-- Reference for tests: the query as it read every valued day before schema 21 (valued_months).
-- Per establishment and month from $since to $month: days realised (billed; present for an establishment funded
-- by an allocation, which bills none) and occupancy (days billed ÷ (places × days in the month)), as
-- rapports/occupation.csv gives it for one month.
WITH e AS (
    SELECT code, max(capacity) AS places, bool_or(billing = 'dotation') AS dotation FROM establishments GROUP BY code
)
SELECT v.establishment_code, v.month, count(DISTINCT v.resident_id || v.day) AS days,
       CASE WHEN max(e.places) > 0 AND NOT bool_or(e.dotation)
            THEN (count(DISTINCT v.resident_id || v.day)::DECIMAL(18, 4)
                  / (max(e.places) * day(last_day(CAST(v.month || '-01' AS DATE)))))::DECIMAL(6, 4)
       END
FROM valued_days v JOIN e ON e.code = v.establishment_code
WHERE v.month BETWEEN $since AND $month
  AND CASE WHEN e.dotation THEN v.code = 'P' AND v.stay_mode IS NOT NULL ELSE v.state = 'facture' END
GROUP BY v.establishment_code, v.month
ORDER BY 1, 2;
