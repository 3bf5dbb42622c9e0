-- Every presentation of an invoice to a direct debit, whether it is the invoice's latest, and whether the bank
-- returned it: a return (a reversal of the invoice number as end-to-end id) booked by the cut-off, on or after its
-- collection date and before the invoice's next presentation.
WITH p AS (
    SELECT seq, number, payer_code, rum, collection_date,
           lead(collection_date) OVER (PARTITION BY number ORDER BY seq) AS next_date,
           row_number() OVER (PARTITION BY number ORDER BY seq DESC) = 1 AS latest
    FROM collections
),
r AS (
    SELECT end_to_end_id AS number, booking_date FROM bank_lines
    WHERE reversal AND amount < 0 AND booking_date <= $cutoff AND end_to_end_id IN (SELECT number FROM collections)
),
returned AS (
    SELECT DISTINCT p.seq FROM p JOIN r USING (number)
    WHERE r.booking_date >= p.collection_date AND (p.next_date IS NULL OR r.booking_date < p.next_date)
)
SELECT p.number, p.payer_code, p.rum, p.collection_date, p.latest, p.seq IN (SELECT seq FROM returned)
FROM p
ORDER BY p.seq;
