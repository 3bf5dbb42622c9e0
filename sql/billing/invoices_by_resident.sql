-- The invoices of the pending pairs of the open months and the residents on them, to name what a credit
-- note corrects.
SELECT d.service_month AS month, d.payer_code, d.establishment_code, l.resident_id, d.number, d.issue_date,
       d.seq, d.year
FROM documents d
JOIN issue_pending p ON p.month = d.service_month AND p.establishment_code = d.establishment_code
JOIN document_lines l USING (number)
WHERE d.type = 'facture' AND d.service_month BETWEEN $first_month AND $last_month
GROUP BY ALL
