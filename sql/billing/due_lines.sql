-- What is due for the (month, establishment) pairs of `stale`, per payer, establishment, resident, category and
-- unit price (docs/rules.md B7-B9, B11): billed days grouped by price, the FJH a MAS resident owes for each
-- present day, and the resident's contribution (paiement différentiel) — a negative line on the
-- département's invoice and an invoice of the same amount to the resident.
WITH billed AS (
    SELECT v.* FROM valued_days v
    JOIN stale USING (month, establishment_code)
    WHERE v.state = 'facture'
),
day_lines AS (
    SELECT month, payer_code, payer_type, establishment_code, resident_id, category,
           amount AS unit_price, count(*)::INTEGER AS quantity, sum(amount) AS amount
    FROM billed
    GROUP BY ALL
),
fjh_lines AS (
    SELECT month, 'U' || resident_id AS payer_code, 'usager' AS payer_type, establishment_code, resident_id,
           'forfait_journalier' AS category, resident_fjh AS unit_price, count(*)::INTEGER AS quantity,
           sum(resident_fjh) AS amount
    FROM billed
    WHERE resident_fjh IS NOT NULL
    GROUP BY ALL
),
-- B9: contribution = round_half_up(M x present days / days in month), in cents with integer arithmetic
-- (never a DECIMAL division, which DuckDB computes in floating point), capped at the département's gross
-- amount for the resident and month
present AS (
    SELECT b.month, b.payer_code, b.establishment_code, b.resident_id,
           sum(CAST(round(c.monthly_amount * 100) AS HUGEINT)) AS cents_x_days
    FROM billed b
    JOIN contributions c
      ON c.resident_id = b.resident_id AND c.start_date <= b.day AND (c.end_date IS NULL OR b.day <= c.end_date)
    WHERE b.payer_type = 'departement' AND b.code = 'P'
    GROUP BY ALL
),
gross AS (
    SELECT month, payer_code, establishment_code, resident_id, sum(amount) AS gross
    FROM billed WHERE payer_type = 'departement'
    GROUP BY ALL
),
contribution AS (
    SELECT p.month, p.payer_code, p.establishment_code, p.resident_id,
           least(g.gross, CAST((2 * p.cents_x_days + dim) // (2 * dim) AS DECIMAL(18, 0)) * 0.01) AS amount
    FROM (SELECT *, day(last_day(CAST(month || '-01' AS DATE))) AS dim FROM present) p
    JOIN gross g USING (month, payer_code, establishment_code, resident_id)
),
contribution_lines AS (
    SELECT month, payer_code, 'departement' AS payer_type, establishment_code, resident_id,
           'participation_usager' AS category, -amount AS unit_price, 1 AS quantity, -amount AS amount
    FROM contribution WHERE amount > 0
    UNION ALL
    SELECT month, 'U' || resident_id, 'usager', establishment_code, resident_id,
           'participation_frais_hebergement', amount, 1, amount
    FROM contribution WHERE amount > 0
)
SELECT month, payer_code, payer_type, establishment_code, resident_id, category,
       CAST(unit_price AS DECIMAL(18, 2)) AS unit_price, quantity, CAST(amount AS DECIMAL(18, 2)) AS amount
FROM (SELECT * FROM day_lines UNION ALL SELECT * FROM fjh_lines UNION ALL SELECT * FROM contribution_lines) all_lines
ORDER BY month, payer_code, establishment_code, resident_id, category, unit_price
