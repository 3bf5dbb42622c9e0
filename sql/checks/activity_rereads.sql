-- The earlier months whose corrected extracts the close of $month read again (docs/rules.md B12).
SELECT month, paths
FROM activity_rereads
WHERE run_month = $month
ORDER BY month;
