-- The letter each invoice the matching reads (matching_invoices, payments/invoices.sql) holds now: its last
-- letter event, when that event is a `lettre` (matching.Lettering.active).
SELECT payer_code, letter, number, event_date, event
FROM (
    SELECT payer_code, letter, number, event_date, event,
           row_number() OVER (PARTITION BY number ORDER BY seq DESC) AS latest
    FROM letters SEMI JOIN matching_invoices USING (number)
) events
WHERE latest = 1 AND event = 'lettre'
ORDER BY number;
