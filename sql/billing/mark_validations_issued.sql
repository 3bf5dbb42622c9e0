-- The émission issued what these validations validated.
UPDATE validations SET issued_at = $now
WHERE month = $month AND issued_at IS NULL AND list_contains($codes::VARCHAR[], establishment_code);
