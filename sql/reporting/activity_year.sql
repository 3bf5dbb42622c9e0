-- Activity against the budget (docs/rules.md "Monthly reports"), per establishment for the month $month of year
-- $year: places, how it bills, its days realised in the month and from $since (the year's first month, or the
-- association's first month in Recettes when later) to $month, the days held for pending files, the year's
-- forecast and target occupancy, and the rate of its main mode in force on the month's last day.
-- Days realised: days billed (state facture) for an establishment billed per day; days present for one funded
-- by an allocation (dotation), which bills none.
WITH e AS (
    SELECT code, min(name) AS name, max(capacity) AS places, bool_or(billing = 'dotation') AS dotation
    FROM establishments GROUP BY code
),
-- the days counted per establishment and month when they were valued (schema 21: valued_months)
counted AS (
    SELECT m.establishment_code AS code, m.month, m.grain, m.rate_mode, m.held_days,
           CASE WHEN e.dotation THEN m.present_days ELSE m.billed_days END AS realised_days,
           CASE WHEN e.dotation THEN m.present_rows ELSE m.billed_rows END AS realised_rows
    FROM valued_months m JOIN e ON e.code = m.establishment_code
    WHERE m.month BETWEEN $since AND $month AND m.grain IN (2, 3)
),
counts AS (
    SELECT code,
           sum(realised_days) FILTER (WHERE month = $month) AS month_days,
           sum(realised_days) AS year_days,
           sum(held_days) AS held_days
    FROM counted WHERE grain = 3 GROUP BY code
),
main_mode AS (
    SELECT code, arg_max(rate_mode, n) AS rate_mode
    FROM (SELECT code, rate_mode, sum(realised_rows) + CASE WHEN rate_mode = 'internat' THEN 0.5 ELSE 0 END AS n
          FROM counted WHERE grain = 2 AND rate_mode IS NOT NULL GROUP BY code, rate_mode HAVING sum(realised_rows) > 0)
         modes
    GROUP BY code
),
rate AS (
    SELECT m.code, max(r.daily_rate) AS daily_rate
    FROM main_mode m JOIN rates r
      ON r.establishment_code = m.code AND r.rate_mode = m.rate_mode
     AND r.start_date <= last_day(CAST($month || '-01' AS DATE))
     AND (r.end_date IS NULL OR r.end_date >= last_day(CAST($month || '-01' AS DATE)))
    GROUP BY m.code
)
SELECT e.code, e.name, coalesce(e.places, 0) AS places, e.dotation,
       coalesce(c.month_days, 0) AS month_days, coalesce(c.year_days, 0) AS year_days,
       coalesce(c.held_days, 0) AS held_days,
       f.forecast_days, f.target_occupancy, CASE WHEN NOT e.dotation THEN rate.daily_rate END AS daily_rate
FROM e
LEFT JOIN counts c USING (code)
LEFT JOIN rate USING (code)
LEFT JOIN (SELECT establishment_code AS code, forecast_days, target_occupancy FROM forecasts WHERE year = $year) f
  USING (code)
ORDER BY e.code;
