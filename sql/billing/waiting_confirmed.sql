-- Whether the month's validations waiting for their émission confirmed their issue date explicitly.
SELECT coalesce(bool_or(confirmed), FALSE) FROM validations WHERE month = $month AND issued_at IS NULL;
