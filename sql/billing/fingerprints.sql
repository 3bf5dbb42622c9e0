-- The fingerprint of every (establishment, month of service) of the open months: a hash of every input the
-- valuation of that pair reads (sql/billing/valuation.sql and due_lines.sql). Order-independent, so cheap to
-- compute: the sum of row hashes, in which two equal rows do not cancel out as they would in a bit_xor. A
-- referential row counts for a month only as it applies to that month's days, so that a change revalues the
-- months it reaches and not the whole history:
--   - global: the settings' FJH and absence tiers ($settings_hash), the payers' types, the establishment's
--     own row (type, billing);
--   - stays, rates and funding decisions started by the month's end, their dates cut to the month (the
--     valuation takes, for a day, the latest one started on or before it, then looks whether it has
--     ended). One ended before the month is counted by its start alone, with a refused decision's status:
--     it can only make a day "ended", whatever its other fields;
--   - the contributions of the residents who stay at the establishment, those that overlap the month, their
--     dates cut to it;
--   - the establishment's activity of that month and of every month before (the hospitalisation and
--     personal-absence counters look back), read from activity_hashes, one row per month and establishment.
WITH months AS (
    SELECT strftime(m, '%Y-%m') AS month, CAST(m AS DATE) AS first_day, CAST(last_day(m) AS DATE) AS last_day
    FROM range(CAST($first_month || '-01' AS DATE), CAST($last_month || '-01' AS DATE) + INTERVAL 1 MONTH,
               INTERVAL 1 MONTH) t (m)
),
global_hash AS (
    SELECT hash($settings_hash, (SELECT coalesce(sum(hash(code, type)), 0) FROM payers)) AS h
),
establishment_hash AS (
    SELECT code AS establishment_code, sum(hash(type, billing)) AS h FROM establishments GROUP BY code
),
stays_hash AS (
    SELECT m.month, s.establishment_code,
           sum(CASE WHEN s.exit_date <= m.first_day THEN hash(s.resident_id, s.entry_date, 'fini')
                        ELSE hash(s.resident_id, greatest(s.entry_date, m.first_day),
                                  least(coalesce(s.exit_date, DATE '9999-12-31'), m.last_day + 1), s.mode) END) AS h
    FROM stays s JOIN months m ON s.entry_date <= m.last_day
    GROUP BY ALL
),
rates_hash AS (
    SELECT m.month, r.establishment_code,
           sum(CASE WHEN r.end_date < m.first_day THEN hash(r.rate_mode, r.start_date, 'fini')
                        ELSE hash(r.rate_mode, greatest(r.start_date, m.first_day),
                                  least(coalesce(r.end_date, DATE '9999-12-31'), m.last_day), r.daily_rate) END) AS h
    FROM rates r JOIN months m ON r.start_date <= m.last_day
    GROUP BY ALL
),
decisions_hash AS (
    SELECT m.month, f.establishment_code,
           sum(CASE WHEN f.end_date < m.first_day
                        THEN hash(f.resident_id, f.start_date, f.status = 'refusee', 'fini')
                        ELSE hash(f.resident_id, f.payer_code, greatest(f.start_date, m.first_day),
                                  least(coalesce(f.end_date, DATE '9999-12-31'), m.last_day), f.status,
                                  f.decision_ref, f.commitment_number) END) AS h
    FROM funding_decisions f JOIN months m ON f.start_date <= m.last_day
    GROUP BY ALL
),
contributions_hash AS (
    SELECT m.month, s.establishment_code,
           sum(hash(c.resident_id, greatest(c.start_date, m.first_day),
                        least(coalesce(c.end_date, DATE '9999-12-31'), m.last_day), c.monthly_amount)) AS h
    FROM contributions c
    JOIN months m ON c.start_date <= m.last_day AND (c.end_date IS NULL OR c.end_date >= m.first_day)
    JOIN (SELECT DISTINCT resident_id, establishment_code FROM stays) s USING (resident_id)
    GROUP BY ALL
),
activity_cumulated AS (  -- kept per month and establishment when the activity is loaded (schema 9)
    SELECT establishment_code, month,
           bit_xor(h) OVER (PARTITION BY establishment_code ORDER BY month
                            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS h
    FROM activity_hashes
    WHERE month <= $last_month
)
SELECT a.month, a.establishment_code,
       hash((SELECT h FROM global_hash), coalesce(e.h, 0), coalesce(s.h, 0), coalesce(r.h, 0), coalesce(d.h, 0),
            coalesce(c.h, 0), a.h) AS fingerprint
FROM activity_cumulated a
LEFT JOIN establishment_hash e USING (establishment_code)
LEFT JOIN stays_hash s USING (month, establishment_code)
LEFT JOIN rates_hash r USING (month, establishment_code)
LEFT JOIN decisions_hash d USING (month, establishment_code)
LEFT JOIN contributions_hash c USING (month, establishment_code)
WHERE a.month BETWEEN $first_month AND $last_month
