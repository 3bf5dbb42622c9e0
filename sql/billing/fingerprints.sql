-- The fingerprint of every (establishment, month of service) of the open months: a hash of every input the
-- valuation of that pair reads (sql/billing/valuation.sql and due_lines.sql):
--   the settings' FJH and absence tiers ($settings_hash), the payers' types (all establishments),
--   the establishment's own row, its stays, rates and funding decisions, the contributions of the residents
--   who stay there, and its activity of that month and of every month before (the hospitalisation and
--   personal-absence counters look back). Order-independent (bit_xor of row hashes), so cheap to compute;
--   the activity's part is read from activity_hashes, one row per month and establishment.
WITH payers_hash AS (
    SELECT coalesce(bit_xor(hash(code, type)), 0) AS h FROM payers
),
referential AS (
    SELECT e.code AS establishment_code,
           hash(
             (SELECT coalesce(bit_xor(hash(x.type, x.billing)), 0) FROM establishments x WHERE x.code = e.code),
             (SELECT coalesce(bit_xor(hash(s.resident_id, s.entry_date, s.exit_date, s.mode)), 0)
                FROM stays s WHERE s.establishment_code = e.code),
             (SELECT coalesce(bit_xor(hash(r.rate_mode, r.start_date, r.end_date, r.daily_rate)), 0)
                FROM rates r WHERE r.establishment_code = e.code),
             (SELECT coalesce(bit_xor(hash(f.resident_id, f.payer_code, f.start_date, f.end_date, f.status,
                                           f.decision_ref, f.commitment_number)), 0)
                FROM funding_decisions f WHERE f.establishment_code = e.code),
             (SELECT coalesce(bit_xor(hash(c.resident_id, c.start_date, c.end_date, c.monthly_amount)), 0)
                FROM contributions c
               WHERE c.resident_id IN (SELECT resident_id FROM stays WHERE establishment_code = e.code))
           ) AS h
    FROM (SELECT DISTINCT code FROM establishments) e
),
activity_per_month AS (  -- kept per month and establishment when the activity is loaded (schema 9)
    SELECT establishment_code, month, h
    FROM activity_hashes
    WHERE month <= $last_month
),
activity_cumulated AS (
    SELECT establishment_code, month,
           bit_xor(h) OVER (PARTITION BY establishment_code ORDER BY month
                            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS h
    FROM activity_per_month
)
SELECT a.month, a.establishment_code,
       hash($settings_hash, (SELECT h FROM payers_hash), coalesce(r.h, 0), a.h) AS fingerprint
FROM activity_cumulated a
LEFT JOIN referential r USING (establishment_code)
WHERE a.month BETWEEN $first_month AND $last_month
