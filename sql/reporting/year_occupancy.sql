-- Per establishment and month from $since to $month: days realised (billed; present for an establishment funded
-- by an allocation, which bills none) and occupancy (days billed ÷ (places × days in the month)), as
-- rapports/occupation.csv gives it for one month; from the days counted when valued (schema 21: valued_months).
WITH e AS (
    SELECT code, max(capacity) AS places, bool_or(billing = 'dotation') AS dotation FROM establishments GROUP BY code
)
SELECT m.establishment_code, m.month, sum(CASE WHEN e.dotation THEN m.present_days ELSE m.billed_days END) AS days,
       CASE WHEN max(e.places) > 0 AND NOT bool_or(e.dotation)
            THEN (sum(m.billed_days)::DECIMAL(18, 4)
                  / (max(e.places) * day(last_day(CAST(m.month || '-01' AS DATE)))))::DECIMAL(6, 4)
       END
FROM valued_months m JOIN e ON e.code = m.establishment_code
WHERE m.grain = 3 AND m.month BETWEEN $since AND $month
  AND CASE WHEN e.dotation THEN m.present_days ELSE m.billed_days END > 0
GROUP BY m.establishment_code, m.month
ORDER BY 1, 2;
