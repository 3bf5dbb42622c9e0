-- portail/etat_mensuel_<département>.csv: what the month claims from each département, per resident,
-- establishment and daily rate: days by code, FJH deducted, the resident's contribution, amount claimed.
WITH days AS (
    SELECT v.*, r.last_name, r.first_name
    FROM valued_days v
    JOIN (SELECT id, any_value(last_name) AS last_name, any_value(first_name) AS first_name
          FROM residents GROUP BY id) r ON r.id = v.resident_id
    WHERE v.month = $month AND v.payer_type = 'departement' AND v.state <> 'en_attente'
      AND v.reason IS DISTINCT FROM 'hors_sejour'  -- no stay, nothing claimed: reported by the controls
),
per_rate AS (
    SELECT payer_code, resident_id, establishment_code, daily_rate,
           any_value(last_name) AS last_name, any_value(first_name) AS first_name,
           any_value(decision_ref) AS decision_ref,
           count(*) FILTER (WHERE code = 'P') AS p, count(*) FILTER (WHERE code = 'H') AS h,
           count(*) FILTER (WHERE code = 'C') AS c, count(*) FILTER (WHERE code = 'F') AS f,
           coalesce(sum(daily_rate - amount)
                    FILTER (WHERE category IN ('hospitalisation_au_dela', 'absence_au_dela')), 0)
               AS fjh_deducted,
           coalesce(sum(amount) FILTER (WHERE state = 'facture'), 0) AS billed,
           max(day) AS last_day
    FROM days
    GROUP BY payer_code, resident_id, establishment_code, daily_rate
),
contribution AS (
    SELECT payer_code, resident_id, establishment_code, -sum(amount) AS amount
    FROM due_lines
    WHERE month = $month AND category = 'participation_usager'
    GROUP BY ALL
)
SELECT p.payer_code, p.resident_id, p.last_name, p.first_name, p.decision_ref, p.establishment_code,
       p.p, p.h, p.c, p.f, p.daily_rate, CAST(p.fjh_deducted AS DECIMAL(18, 2)) AS fjh_deducted,
       CAST(CASE WHEN p.last_day = max(p.last_day) OVER w THEN coalesce(c.amount, 0) ELSE 0 END
            AS DECIMAL(18, 2)) AS contribution,
       CAST(p.billed - CASE WHEN p.last_day = max(p.last_day) OVER w THEN coalesce(c.amount, 0) ELSE 0 END
            AS DECIMAL(18, 2)) AS claimed
FROM per_rate p
LEFT JOIN contribution c USING (payer_code, resident_id, establishment_code)
WINDOW w AS (PARTITION BY p.payer_code, p.resident_id, p.establishment_code)
ORDER BY p.payer_code, p.establishment_code, p.last_name, p.first_name, p.resident_id, p.daily_rate;
