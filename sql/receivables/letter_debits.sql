-- The direct debits still to come of the payers written to: each invoice's latest presentation not returned
-- whose collection date is after the month's end.
WITH latest AS (
    SELECT number, arg_max(payer_code, seq) AS payer_code, arg_max(amount, seq) AS amount,
           arg_max(collection_date, seq) AS collection_date
    FROM collections WHERE list_contains($payers, payer_code) GROUP BY number
)
SELECT l.payer_code, l.number, l.collection_date, l.amount
FROM latest l
WHERE l.collection_date > $end AND l.number NOT IN (SELECT unnest($returned))
ORDER BY l.payer_code, l.collection_date, l.number;
