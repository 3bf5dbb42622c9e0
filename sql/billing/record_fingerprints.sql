-- The fingerprints the pairs were valued from.
INSERT INTO valuation_state
SELECT month, establishment_code, fingerprint, now()::TIMESTAMP FROM stale WHERE fingerprint IS NOT NULL;
