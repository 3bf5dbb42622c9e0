-- Per document of $month, the digests of its XML that passed the rules $rules (rendering checks other bytes).
SELECT
    number,
    list(sha256 ORDER BY sha256) AS digests
FROM facturx_rules_passed
WHERE month = $month AND rules = $rules
GROUP BY number
