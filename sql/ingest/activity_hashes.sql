-- The hash of the month's activity per establishment, read by the valuation's fingerprints: a sum of the
-- rows' hashes (schema 12 says why not their bit_xor).
INSERT INTO activity_hashes
SELECT month, establishment_code, hash(sum(hash(resident_id, day, code, held)))
FROM activity_days
WHERE month = $month
GROUP BY ALL;
