-- Per establishment and month: places, billed days, occupancy (billed days ÷ (places × days in the month)),
-- days present and of activity, presence rate.
-- An establishment funded by an allocation (dotation) bills no days: no occupancy rate.
WITH e AS (
    SELECT code, min(name) AS name, max(capacity) AS places, bool_or(billing = 'dotation') AS dotation
    FROM establishments GROUP BY code
),
v AS (
    SELECT establishment_code AS code,
           count(DISTINCT CASE WHEN state = 'facture' THEN resident_id || day END) AS billed,
           count(DISTINCT CASE WHEN code = 'P' THEN resident_id || day END) AS present,
           count(DISTINCT resident_id || day) AS active
    FROM valued_days WHERE month = $month GROUP BY establishment_code
)
SELECT e.code, e.name, e.places, coalesce(v.billed, 0),
       CASE WHEN e.places > 0 AND NOT e.dotation
            THEN (coalesce(v.billed, 0)::DECIMAL(18, 4)
                  / (e.places * day(last_day(CAST($month || '-01' AS DATE)))))::DECIMAL(6, 4)
       END,
       coalesce(v.present, 0), coalesce(v.active, 0),
       CASE WHEN v.active > 0 THEN (v.present::DECIMAL(18, 4) / v.active)::DECIMAL(6, 4) END
FROM e LEFT JOIN v USING (code)
ORDER BY e.code;
