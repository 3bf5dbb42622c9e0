-- The activity of the open months as fingerprinted at loading, per establishment and month.
SELECT establishment_code, month, h
FROM activity_hashes
WHERE month BETWEEN $first_month AND $last_month
ORDER BY ALL;
