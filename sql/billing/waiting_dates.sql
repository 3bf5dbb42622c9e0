-- The issue dates of the month's validations still waiting for their émission, other establishments than $codes.
WITH latest AS (
    SELECT establishment_code, issue_date, issued_at,
           row_number() OVER (PARTITION BY establishment_code ORDER BY validated_at DESC, rowid DESC) AS rank
    FROM validations
    WHERE month = $month
)
SELECT DISTINCT issue_date
FROM latest
WHERE rank = 1 AND issued_at IS NULL AND NOT list_contains($codes::VARCHAR[], establishment_code);
