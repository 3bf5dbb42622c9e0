-- The commitment number (numéro d'engagement) of a payer's documents for an establishment and month,
-- when all the billed days of it share one; for the months of the documents being issued ($months) only: the open
-- months reach 24 months back, and a close issues documents for a few of them.
SELECT month, payer_code, establishment_code, any_value(commitment_number)
FROM valued_days
WHERE month BETWEEN $first_month AND $last_month AND month IN (SELECT unnest($months))
  AND state = 'facture' AND commitment_number IS NOT NULL
  AND commitment_number <> ''
GROUP BY ALL
HAVING count(DISTINCT commitment_number) = 1;
