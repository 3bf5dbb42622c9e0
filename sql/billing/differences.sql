-- B12: what is due minus what was issued (invoices minus credit notes) for the open months, per payer,
-- establishment, resident, month of service, category and unit price; only the keys that differ. Only the
-- pairs valued again since issuing last compared them (issue_pending): the others cannot differ. The émission
-- takes the validated establishments only ($establishments); the préparation and the controls take all.
WITH pending AS (
    SELECT month, establishment_code FROM issue_pending
    WHERE month BETWEEN $first_month AND $last_month
          AND ($all_establishments OR list_contains($establishments::VARCHAR[], establishment_code))
),
issued AS (
    SELECT d.service_month AS month, d.payer_code, d.payer_type, d.establishment_code, l.resident_id, l.category,
           l.unit_price, sum(l.quantity)::INTEGER AS quantity, sum(l.amount) AS amount
    FROM documents d
    JOIN pending p ON p.month = d.service_month AND p.establishment_code = d.establishment_code
    JOIN document_lines l USING (number)
    GROUP BY ALL
),
due AS (
    SELECT month, payer_code, payer_type, establishment_code, resident_id, category, unit_price, quantity, amount
    FROM due_lines
    JOIN pending USING (month, establishment_code)
)
SELECT coalesce(due.month, issued.month) AS month,
       coalesce(due.payer_code, issued.payer_code) AS payer_code,
       coalesce(due.payer_type, issued.payer_type) AS payer_type,
       coalesce(due.establishment_code, issued.establishment_code) AS establishment_code,
       coalesce(due.resident_id, issued.resident_id) AS resident_id,
       coalesce(due.category, issued.category) AS category,
       coalesce(due.unit_price, issued.unit_price) AS unit_price,
       (coalesce(due.quantity, 0) - coalesce(issued.quantity, 0))::INTEGER AS quantity,
       CAST(coalesce(due.amount, 0) - coalesce(issued.amount, 0) AS DECIMAL(18, 2)) AS amount
FROM due
FULL JOIN issued USING (month, payer_code, payer_type, establishment_code, resident_id, category, unit_price)
WHERE coalesce(due.quantity, 0) <> coalesce(issued.quantity, 0)
   OR coalesce(due.amount, 0) <> coalesce(issued.amount, 0)
ORDER BY 1, 2, 4, 5, 6, 7;
