-- The hash of the month's activity per establishment, read by the valuation's fingerprints.
INSERT INTO activity_hashes
SELECT month, establishment_code, bit_xor(hash(resident_id, day, code, held))
FROM activity_days
WHERE month = $month
GROUP BY ALL;
