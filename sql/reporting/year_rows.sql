-- The year so far (rapports/annee_AAAA.csv), per establishment, payer and month from $since to $month, as the
-- closes up to $month knew it: the days billed (valuation, by month of service), the amounts of the invoices first
-- issued for that month of service, the adjustments issued since for it (complementary invoices and credit
-- notes, by month of service), and the receipts allocated to the establishment's invoices of that payer in the
-- month (by the receipt's date; returns negative).
WITH months AS (
    SELECT strftime(m, '%Y-%m') AS month
    FROM generate_series(CAST($since || '-01' AS DATE), CAST($month || '-01' AS DATE), INTERVAL 1 MONTH) t (m)
),
days AS (  -- counted per payer when valued (schema 21: valued_months)
    SELECT establishment_code, payer_code, month, billed_days AS days
    FROM valued_months
    WHERE grain = 1 AND billed_days > 0 AND month IN (SELECT month FROM months)
),
docs AS (
    SELECT establishment_code, payer_code, service_month AS month,
           sum(amount) FILTER (WHERE nature = 'initiale') AS billed,
           sum(amount) FILTER (WHERE nature <> 'initiale') AS adjusted
    FROM documents
    WHERE service_month IN (SELECT month FROM months) AND run_month <= $month
    GROUP BY ALL
),
paid AS (
    SELECT d.establishment_code, d.payer_code, strftime(a.allocated_on, '%Y-%m') AS month, sum(a.amount) AS received
    FROM allocations a JOIN documents d ON d.number = a.number
    WHERE strftime(a.allocated_on, '%Y-%m') IN (SELECT month FROM months) AND a.run_month <= $month
    GROUP BY ALL
),
keys AS (
    SELECT establishment_code, payer_code, month FROM days
    UNION SELECT establishment_code, payer_code, month FROM docs
    UNION SELECT establishment_code, payer_code, month FROM paid
)
SELECT k.establishment_code, k.payer_code, coalesce(p.type, CASE WHEN k.payer_code LIKE 'U%' THEN 'usager' END),
       k.month, coalesce(days.days, 0),
       coalesce(docs.billed, 0)::DECIMAL(18, 2), coalesce(docs.adjusted, 0)::DECIMAL(18, 2),
       coalesce(paid.received, 0)::DECIMAL(18, 2)
FROM keys k
LEFT JOIN days USING (establishment_code, payer_code, month)
LEFT JOIN docs USING (establishment_code, payer_code, month)
LEFT JOIN paid USING (establishment_code, payer_code, month)
LEFT JOIN (SELECT code, min(type) AS type FROM payers GROUP BY code) p ON p.code = k.payer_code
ORDER BY k.establishment_code, k.payer_code, k.month;
