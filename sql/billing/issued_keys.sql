-- The (month of service, payer, establishment) that already have documents: the next ones are adjustments.
SELECT DISTINCT service_month, payer_code, establishment_code
FROM documents
WHERE service_month BETWEEN $first_month AND $last_month;
