-- The (month of service, payer, establishment) of the pending pairs that already have documents: the next
-- ones are adjustments. Only the pending pairs can differ (differences.sql); every key of the open months
-- was 157,000 rows at month 24 of a 12,000-resident association, for about 7,000 documents to plan.
SELECT DISTINCT d.service_month, d.payer_code, d.establishment_code
FROM documents d
JOIN issue_pending p ON p.month = d.service_month AND p.establishment_code = d.establishment_code
WHERE d.service_month BETWEEN $first_month AND $last_month;
