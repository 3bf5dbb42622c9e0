-- The invoices of the pending pairs of the open months and the residents on them, with what each still bills
-- for the resident (his lines, less what credit notes took off it for him), to share out what a credit note
-- corrects.
WITH credited AS (
    SELECT corrected AS number, resident_id, sum(amount) AS amount
    FROM document_corrections
    GROUP BY ALL
)
SELECT d.service_month AS month, d.payer_code, d.establishment_code, l.resident_id, d.number, d.issue_date,
       d.seq, d.year, (sum(l.amount) + coalesce(any_value(c.amount), 0))::DECIMAL(18, 2) AS billed
FROM documents d
JOIN issue_pending p ON p.month = d.service_month AND p.establishment_code = d.establishment_code
JOIN document_lines l USING (number)
LEFT JOIN credited c ON c.number = d.number AND c.resident_id = l.resident_id
WHERE d.type = 'facture' AND d.service_month BETWEEN $first_month AND $last_month
GROUP BY d.service_month, d.payer_code, d.establishment_code, l.resident_id, d.number, d.issue_date, d.seq, d.year
