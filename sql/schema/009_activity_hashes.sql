-- Schema 9: a hash of each (month, establishment)'s activity days, kept when a month's activity is loaded,
-- so that the valuation's fingerprints read one row per month and establishment instead of every day of
-- the history (sql/billing/fingerprints.sql).
CREATE TABLE activity_hashes (
    month              VARCHAR NOT NULL,
    establishment_code VARCHAR NOT NULL,
    h                  UBIGINT NOT NULL,   -- bit_xor of hash(resident_id, day, code, held) over the days
    PRIMARY KEY (month, establishment_code)
);

INSERT INTO activity_hashes
SELECT month, establishment_code, bit_xor(hash(resident_id, day, code, held))
FROM activity_days
GROUP BY ALL;
