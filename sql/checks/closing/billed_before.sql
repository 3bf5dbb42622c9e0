-- What each payer named was billed for a month of service (its invoices, before credit notes).
SELECT payer_code, sum(amount)::DECIMAL(18, 2)
FROM documents
WHERE type = 'facture' AND service_month = $month AND payer_code IN (SELECT unnest($payers))
GROUP BY payer_code;
