-- Activity vs valuation for the month, per establishment: every activity day (not held) is valued once,
-- with a state, a reason when it is not billed, and no amount when it is not billed.
WITH activity AS (
    SELECT establishment_code, count(*) AS days
    FROM activity_days WHERE month = $month AND NOT held GROUP BY 1
),
valued AS (
    SELECT establishment_code, count(*) AS days,
           count(*) FILTER (WHERE state = 'facture') AS billed,
           count(*) FILTER (WHERE state = 'en_attente') AS held,
           count(*) FILTER (WHERE state = 'non_facture' AND reason IS NOT NULL) AS not_billed,
           count(*) FILTER (WHERE state = 'non_facture' AND amount <> 0) AS not_billed_with_amount,
           -- distinct (resident, day) pairs: DISTINCT over a row value, not a function
           count(DISTINCT (resident_id, day)) AS distinct_days  -- noqa: CP03,ST08,LT01,LT06
    FROM valued_days WHERE month = $month GROUP BY 1
)
SELECT coalesce(a.establishment_code, v.establishment_code) AS establishment_code,
       coalesce(a.days, 0) AS activity_days, coalesce(v.days, 0) AS valued_days,
       coalesce(v.billed, 0) AS billed, coalesce(v.held, 0) AS held, coalesce(v.not_billed, 0) AS not_billed
FROM activity a
FULL JOIN valued v USING (establishment_code)
WHERE coalesce(a.days, 0) <> coalesce(v.days, 0)
   OR coalesce(v.billed, 0) + coalesce(v.held, 0) + coalesce(v.not_billed, 0) <> coalesce(v.days, 0)
   OR coalesce(v.not_billed_with_amount, 0) > 0
   OR coalesce(v.distinct_days, 0) <> coalesce(v.days, 0)
ORDER BY 1;
