-- Valuation of every activity day from $first_day to $last_day (docs/rules.md B2-B8).
-- Needs three small tables registered by the caller:
--   fjh_periods(start_date, end_date, amount)                      the hospital daily charge in force
--   absence_tiers(policy_key, code, from_pos, to_pos, base)        H and C tiers per payer type or code
--   stale(month, establishment_code)                               the pairs to value (the others are kept)
-- Counters cross month ends: a hospitalisation episode is a run of consecutive H days, over all the stored
-- activity up to $last_day; a personal absence is counted from 1 January. Only the establishments of `stale`
-- are read, and the C days from 1 January of the earliest stale month's year. Each part reads activity_days
-- with its own filter: one CTE shared by the three would be materialized whole, every code of every stored
-- month: 1.0 s against 0.62 s in a new process at month 24 of `large` (7.8 million stored days).
WITH h_runs AS (
    SELECT establishment_code, resident_id, day,
           date_diff('day', DATE '2000-01-01', day)
             - row_number() OVER (PARTITION BY establishment_code, resident_id ORDER BY day) AS episode
    FROM activity_days
    WHERE NOT held AND day <= $last_day AND code = 'H'
      AND establishment_code IN (SELECT establishment_code FROM stale)
),
h_pos AS (
    SELECT establishment_code, resident_id, day,
           row_number() OVER (PARTITION BY establishment_code, resident_id, episode ORDER BY day) AS position
    FROM h_runs
),
c_pos AS (
    SELECT establishment_code, resident_id, day,
           row_number() OVER (PARTITION BY establishment_code, resident_id, year(day) ORDER BY day) AS position
    FROM activity_days
    WHERE NOT held AND day <= $last_day AND code = 'C'
      AND establishment_code IN (SELECT establishment_code FROM stale)
      AND day >= (SELECT make_date(CAST(min(left(month, 4)) AS INTEGER), 1, 1) FROM stale)
),
days AS (
    SELECT a.month, a.establishment_code, a.resident_id, a.day, a.code, coalesce(h.position, c.position) AS position
    FROM activity_days a
    JOIN stale USING (month, establishment_code)
    LEFT JOIN h_pos h ON h.establishment_code = a.establishment_code AND h.resident_id = a.resident_id
                     AND h.day = a.day
    LEFT JOIN c_pos c ON c.establishment_code = a.establishment_code AND c.resident_id = a.resident_id
                     AND c.day = a.day
    WHERE NOT a.held AND a.day >= $first_day
),
-- B2: the stay covering the day (entry day billed, exit day not): the latest stay entered on or before
-- the day, if it has not ended (overlapping stays are refused by the referential controls)
with_stay AS (
    SELECT d.*,
           CASE WHEN d.day < coalesce(s.exit_date, DATE '9999-12-31') THEN s.mode END AS stay_mode
    FROM days d
    ASOF LEFT JOIN stays s
      ON s.resident_id = d.resident_id AND s.establishment_code = d.establishment_code AND d.day >= s.entry_date
),
with_mode AS (
    SELECT *,
           CASE WHEN stay_mode IN ('internat', 'internat_semaine') THEN 'internat'
                WHEN stay_mode IN ('semi_internat', 'accueil_jour') THEN 'semi_internat' END AS rate_mode
    FROM with_stay
),
-- B3: the rate of the establishment and rate mode whose period covers the day
with_rate AS (
    SELECT w.*, CASE WHEN w.day <= coalesce(r.end_date, DATE '9999-12-31') THEN r.daily_rate END AS daily_rate
    FROM with_mode w
    ASOF LEFT JOIN rates r
      ON r.establishment_code = w.establishment_code AND r.rate_mode = w.rate_mode AND w.day >= r.start_date
),
-- B4: the payer of the decision covering the day (the latest one started, refused ones aside): granted,
-- it pays; pending, the day is held; none, the resident pays
with_decision AS (
    SELECT w.* EXCLUDE (f_payer, f_status, f_ref, f_commitment, covers),
           CASE WHEN covers THEN f_payer END AS decided_payer,
           CASE WHEN covers THEN f_status END AS decision_status,
           CASE WHEN covers THEN f_ref END AS decision_ref,
           CASE WHEN covers THEN f_commitment END AS commitment_number
    FROM (
        SELECT w.*, f.payer_code AS f_payer, f.status AS f_status, f.decision_ref AS f_ref,
               f.commitment_number AS f_commitment,
               f.start_date IS NOT NULL AND w.day <= coalesce(f.end_date, DATE '9999-12-31') AS covers
        FROM with_rate w
        ASOF LEFT JOIN (SELECT * FROM funding_decisions WHERE status <> 'refusee') f
          ON f.resident_id = w.resident_id AND f.establishment_code = w.establishment_code AND w.day >= f.start_date
    ) w
),
with_payer AS (
    SELECT w.*,
           coalesce(w.decided_payer, 'U' || w.resident_id) AS payer_code,
           CASE WHEN w.decided_payer IS NULL THEN 'usager' ELSE coalesce(p.type, 'autre') END AS payer_type,
           e.type AS establishment_type, e.billing, fj.amount AS fjh
    FROM with_decision w
    JOIN (SELECT code, any_value(type) AS type, any_value(billing) AS billing FROM establishments GROUP BY code) e
      ON e.code = w.establishment_code
    LEFT JOIN (SELECT code, any_value(type) AS type FROM payers GROUP BY code) p ON p.code = w.decided_payer
    LEFT JOIN fjh_periods fj ON fj.start_date <= w.day AND w.day <= fj.end_date
),
-- B5-B8: the tier of an H or C day under the payer's policy (its code's own, else its type's)
with_policy AS (
    SELECT w.*, CASE WHEN w.payer_code IN (SELECT policy_key FROM absence_tiers) THEN w.payer_code
                     ELSE w.payer_type END AS policy_key
    FROM with_payer w
),
with_tier AS (
    SELECT w.*, t.base
    FROM with_policy w
    LEFT JOIN absence_tiers t
      ON t.policy_key = w.policy_key AND t.code = w.code
     AND w.position BETWEEN t.from_pos AND coalesce(t.to_pos, 2147483647)
),
valued AS (
    SELECT w.*,
           CASE
               WHEN w.stay_mode IS NULL THEN 'hors_sejour'
               WHEN w.billing = 'dotation' THEN 'dotation'
               WHEN w.code = 'F' THEN 'fermeture'
               WHEN w.rate_mode = 'semi_internat' AND w.code <> 'P' THEN 'absence_semi_internat'
               WHEN w.daily_rate IS NULL THEN 'sans_tarif'
               WHEN w.code <> 'P' AND w.base = 'zero' THEN 'au_dela_plafond'
               WHEN w.code <> 'P' AND w.base = 'moins_fjh' AND w.daily_rate <= w.fjh THEN 'montant_nul'
           END AS reason,
           CASE
               WHEN w.code = 'P' THEN 'presence'
               WHEN w.code = 'H' AND w.base = 'moins_fjh' THEN 'hospitalisation_au_dela'
               WHEN w.code = 'H' THEN 'hospitalisation'
               WHEN w.code = 'C' AND w.base = 'moins_fjh' THEN 'absence_au_dela'
               WHEN w.code = 'C' THEN 'absence'
           END AS billed_category
    FROM with_tier w
)
SELECT
    v.month, v.establishment_code, v.resident_id, v.day, v.code, v.stay_mode, v.rate_mode, v.daily_rate,
    v.payer_code, v.payer_type, v.decision_status, v.decision_ref, v.commitment_number, v.position, v.fjh,
    CASE WHEN v.reason IS NULL THEN v.billed_category END AS category,
    CAST(CASE
        WHEN v.reason IS NOT NULL THEN 0
        WHEN v.code <> 'P' AND v.base = 'moins_fjh' THEN v.daily_rate - v.fjh
        ELSE v.daily_rate
    END AS DECIMAL(18, 2)) AS amount,
    CASE WHEN v.reason IS NOT NULL THEN 'non_facture'
         WHEN v.decision_status = 'en_instruction' THEN 'en_attente'
         ELSE 'facture' END AS state,
    v.reason,
    CASE WHEN v.reason IS NULL AND v.code = 'P' AND v.establishment_type = 'MAS'
              AND v.payer_type = 'assurance_maladie' THEN v.fjh END AS resident_fjh
FROM valued v
