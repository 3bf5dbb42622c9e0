-- Valuation vs documents, per payer, establishment, resident and month of service of the open months:
-- what is due (from the valued days) equals what was issued (invoices minus credit notes). The pairs still
-- pending after the émission are those of held establishments (not validated, or held by a control): left out.
WITH due AS (
    SELECT month, payer_code, establishment_code, resident_id, sum(amount) AS amount
    FROM due_lines WHERE month BETWEEN $first_month AND $last_month GROUP BY ALL
),
issued AS (
    SELECT d.service_month AS month, d.payer_code, d.establishment_code, l.resident_id, sum(l.amount) AS amount
    FROM documents d JOIN document_lines l USING (number)
    WHERE d.service_month BETWEEN $first_month AND $last_month GROUP BY ALL
)
SELECT coalesce(due.month, issued.month) AS month, coalesce(due.payer_code, issued.payer_code) AS payer_code,
       coalesce(due.establishment_code, issued.establishment_code) AS establishment_code,
       coalesce(due.resident_id, issued.resident_id) AS resident_id,
       coalesce(due.amount, 0) AS due, coalesce(issued.amount, 0) AS issued
FROM due
FULL JOIN issued USING (month, payer_code, establishment_code, resident_id)
ANTI JOIN issue_pending p
    ON p.month = coalesce(due.month, issued.month)
   AND p.establishment_code = coalesce(due.establishment_code, issued.establishment_code)
WHERE coalesce(due.amount, 0) <> coalesce(issued.amount, 0)
ORDER BY 1, 2, 3, 4;
