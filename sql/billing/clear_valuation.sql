-- The pairs of `stale` are valued again: their valued days, their counts, due lines and fingerprints are replaced.
-- (A join on the two columns: matching (month, establishment_code) as one row value against the 7.4 million
-- valued days of a 12,000-resident association's month 24 took 0.13 s, this 0.04 s.)
DELETE FROM valued_days v USING stale s WHERE v.month = s.month AND v.establishment_code = s.establishment_code;
DELETE FROM due_lines d USING stale s WHERE d.month = s.month AND d.establishment_code = s.establishment_code;
DELETE FROM valuation_state v USING stale s WHERE v.month = s.month AND v.establishment_code = s.establishment_code;
DELETE FROM valued_months m USING stale s WHERE m.month = s.month AND m.establishment_code = s.establishment_code;
