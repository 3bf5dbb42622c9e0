-- A person's validation of one establishment of the month, with the fingerprint of the préparation seen.
INSERT INTO validations (
    month, establishment_code, validated_by, validated_at, issue_date, confirmed, fingerprint, issued_at
)
VALUES ($month, $code, $by, $now, $issue_date, $confirmed, $fingerprint, NULL);
