-- Schema 12: the hash of a (month, establishment)'s activity days is hash(sum of the rows' hashes) instead
-- of their bit_xor. DuckDB's hash of several values ends with an exclusive or of the last one's hash, so
-- `held` (the last value) turned over on an even number of days left the bit_xor as it was, and two equal
-- rows cancelled out: a month whose extract was held, then released unchanged, kept its old fingerprint
-- and was not valued again. A sum has neither fault. Every hash is computed again here, so the next close
-- values every open month once.
DELETE FROM activity_hashes;

INSERT INTO activity_hashes
SELECT month, establishment_code, hash(sum(hash(resident_id, day, code, held)))
FROM activity_days
GROUP BY ALL;
