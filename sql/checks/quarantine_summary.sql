-- Quarantined rows of a scope (and month): set aside, or kept without a bad value.
SELECT path, line, column_name, reason, kept
FROM quarantine
WHERE scope = $scope AND coalesce(month, '') = $month
ORDER BY path, line NULLS FIRST, column_name;
