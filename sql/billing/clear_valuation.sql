-- The pairs of `stale` are valued again: their valued days, due lines and fingerprints are replaced.
DELETE FROM valued_days WHERE (month, establishment_code) IN (SELECT (month, establishment_code) FROM stale);
DELETE FROM due_lines WHERE (month, establishment_code) IN (SELECT (month, establishment_code) FROM stale);
DELETE FROM valuation_state WHERE (month, establishment_code) IN (SELECT (month, establishment_code) FROM stale);
