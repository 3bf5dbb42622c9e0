-- Reference for tests: the query as it read every valued day before schema 21 (valued_months).
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
d AS (
    SELECT v.establishment_code AS code, v.month, v.resident_id, v.day, v.state, v.code AS day_code, v.rate_mode,
           v.stay_mode
    FROM valued_days v
    WHERE v.month BETWEEN $since AND $month
),
realised AS (
    SELECT d.code, d.month, d.resident_id, d.day, d.rate_mode
    FROM d JOIN e USING (code)
    WHERE CASE WHEN e.dotation THEN d.day_code = 'P' AND d.stay_mode IS NOT NULL ELSE d.state = 'facture' END
),
counts AS (
    SELECT code,
           count(DISTINCT CASE WHEN month = $month THEN resident_id || day END) AS month_days,
           count(DISTINCT resident_id || day) AS year_days
    FROM realised GROUP BY code
),
held AS (
    SELECT code, count(DISTINCT resident_id || day) AS held_days
    FROM d WHERE state = 'en_attente' GROUP BY code
),
main_mode AS (
    SELECT code, arg_max(rate_mode, n) AS rate_mode
    FROM (SELECT code, rate_mode, count(*) + CASE WHEN rate_mode = 'internat' THEN 0.5 ELSE 0 END AS n
          FROM realised WHERE rate_mode IS NOT NULL GROUP BY code, rate_mode) modes
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
       coalesce(h.held_days, 0) AS held_days,
       f.forecast_days, f.target_occupancy, CASE WHEN NOT e.dotation THEN rate.daily_rate END AS daily_rate
FROM e
LEFT JOIN counts c USING (code)
LEFT JOIN held h USING (code)
LEFT JOIN rate USING (code)
LEFT JOIN (SELECT establishment_code AS code, forecast_days, target_occupancy FROM forecasts WHERE year = $year) f
  USING (code)
ORDER BY e.code;
