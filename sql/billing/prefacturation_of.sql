-- The month's latest préparation: per establishment, its fingerprint and what holds it.
SELECT establishment_code, fingerprint, blocked
FROM prefacturation
WHERE month = $month
ORDER BY establishment_code;
