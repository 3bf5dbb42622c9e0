-- Every (month, establishment) pair of the open months, to value everything again: the pairs with activity
-- (and their fingerprint), and those valued before that have none any more.
SELECT month, establishment_code, fingerprint FROM fingerprints
UNION ALL
SELECT month, establishment_code, NULL FROM valuation_state
WHERE month BETWEEN $first_month AND $last_month
  AND (month, establishment_code) NOT IN (SELECT (month, establishment_code) FROM fingerprints);
