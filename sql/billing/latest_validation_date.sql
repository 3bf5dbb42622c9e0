-- The issue date of the month's latest validation.
SELECT issue_date FROM validations WHERE month = $month ORDER BY validated_at DESC, rowid DESC LIMIT 1;
