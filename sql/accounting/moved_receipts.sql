-- Receipts an earlier month's entries carry whose entries no longer give each account what the allocations
-- give it now (a decision, a return, a correction, a decision applied by a month closed again after its export,
-- a receipt shared out again between the same payers or between invoices of one payer): with what their entries
-- put on each payer's account for each invoice so far and what they should put now, by auxiliary account (the
-- waiting account as '') and invoice ('' for the payer's credit), for the entry that moves the difference. What
-- a receipt gives now, as when it is first entered (entry_file.build_entries): its allocations to each invoice, the
-- rest to the payer it is known to come from, else (and for a receipt not ours) to the waiting account. A
-- receipt entered before entry lines knew their invoice (schema 14) is compared per account only. The lines
-- that settle an invoice carry its letter when it is settled.
WITH names AS (
    SELECT code, coalesce(nullif(min(auxiliary_account), ''), code) AS aux FROM payers GROUP BY code
    UNION ALL
    SELECT 'U' || id, 'U' || id FROM residents GROUP BY id
),
entered_lines AS (
    SELECT e.source AS line_id, CASE WHEN e.account = $waiting THEN '' ELSE e.aux END AS aux, e.invoice,
           e.credit - e.debit AS amount
    FROM entries e
    WHERE e.kind IN ('encaissement', 'affectation') AND e.export_month <> $month
      AND (e.account = $waiting OR (e.account = $clients AND coalesce(e.aux, '') <> ''))
),
per_account AS (  -- entered before the entry lines knew their invoice
    SELECT DISTINCT line_id FROM entered_lines WHERE aux <> '' AND invoice IS NULL
),
entered AS (
    SELECT line_id, aux,
           CASE WHEN aux = '' OR line_id IN (SELECT line_id FROM per_account) THEN '' ELSE invoice END AS invoice,
           sum(amount) AS amount
    FROM entered_lines
    GROUP BY ALL
),
receipts AS (
    SELECT s.line_id, s.status, coalesce(s.payer_code, '') AS payer, l.booking_date, l.amount
    FROM line_states s JOIN bank_lines l USING (line_id)
    WHERE s.status IN ('rapproche', 'credit', 'non_rapproche', 'rejet', 'rejete', 'hors_recettes')
      AND s.line_id IN (SELECT line_id FROM entered)
),
shares AS (
    SELECT a.line_id, n.aux, a.number AS invoice, sum(a.amount) AS amount
    FROM allocations a JOIN documents d USING (number) JOIN names n ON n.code = d.payer_code
    WHERE a.line_id IN (SELECT line_id FROM receipts)
    GROUP BY ALL
),
now AS (
    SELECT line_id, aux, CASE WHEN line_id IN (SELECT line_id FROM per_account) THEN '' ELSE invoice END AS invoice,
           sum(amount) AS amount
    FROM (
        SELECT line_id, aux, invoice, amount FROM shares
        UNION ALL
        SELECT r.line_id, CASE WHEN r.status <> 'hors_recettes' AND n.aux IS NOT NULL THEN n.aux ELSE '' END, '',
               r.amount - coalesce((SELECT sum(s.amount) FROM shares s WHERE s.line_id = r.line_id), 0)
        FROM receipts r LEFT JOIN names n ON n.code = r.payer
    ) shares_and_moves
    GROUP BY ALL
),
moved AS (
    SELECT DISTINCT line_id FROM now n
    FULL JOIN (SELECT * FROM entered SEMI JOIN receipts USING (line_id)) e USING (line_id, aux, invoice)
    WHERE coalesce(n.amount, 0) <> coalesce(e.amount, 0)
)
SELECT line_id, r.booking_date, aux, invoice, coalesce(e.amount, 0)::DECIMAL(18, 2) AS entered,
       coalesce(n.amount, 0)::DECIMAL(18, 2) AS now, coalesce(b.letter, '') AS letter, b.settled_on
FROM (SELECT * FROM entered SEMI JOIN moved USING (line_id)) e
FULL JOIN (SELECT * FROM now SEMI JOIN moved USING (line_id)) n USING (line_id, aux, invoice)
JOIN receipts r USING (line_id)
LEFT JOIN invoice_balances b ON b.number = invoice
ORDER BY 1, 3, 4;
