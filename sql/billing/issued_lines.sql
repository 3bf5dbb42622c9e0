-- What was issued for the months $first_month..$last_month (invoices minus credit notes), on the same
-- key as the due lines.
SELECT d.service_month AS month, d.payer_code, d.payer_type, d.establishment_code, l.resident_id, l.category,
       l.unit_price, sum(l.quantity)::INTEGER AS quantity, sum(l.amount) AS amount
FROM documents d
JOIN document_lines l USING (number)
WHERE d.service_month BETWEEN $first_month AND $last_month
GROUP BY ALL
