-- The (month, establishment) pairs of the open months to value again: a new or changed fingerprint, or a
-- pair valued before that has no activity any more.
SELECT coalesce(f.month, s.month) AS month, coalesce(f.establishment_code, s.establishment_code) AS establishment_code,
       f.fingerprint
FROM fingerprints f
FULL JOIN (SELECT * FROM valuation_state WHERE month BETWEEN $first_month AND $last_month) s
  USING (month, establishment_code)
WHERE f.fingerprint IS DISTINCT FROM s.fingerprint
