-- Per establishment and payer: what was due for the month before and for this month, what the month's closes
-- issued for this month of service so far.
WITH due AS (
    SELECT establishment_code, payer_code,
           sum(amount) FILTER (WHERE month = $previous) AS previous_due,
           sum(amount) FILTER (WHERE month = $month) AS due
    FROM due_lines
    WHERE month IN ($previous, $month)
    GROUP BY ALL
),
issued AS (
    SELECT establishment_code, payer_code, sum(amount) AS issued
    FROM documents WHERE service_month = $month
    GROUP BY ALL
)
SELECT establishment_code, payer_code,
       coalesce(previous_due, 0)::DECIMAL(18, 2) AS previous_due,
       coalesce(due, 0)::DECIMAL(18, 2) AS due,
       coalesce(issued, 0)::DECIMAL(18, 2) AS issued
FROM due
FULL JOIN issued USING (establishment_code, payer_code)
ORDER BY ALL;
