-- The sales journal of the month against the documents it carries: per document, what its 411 line says
-- against the document's amount.
SELECT d.number, d.amount, sum(e.debit - e.credit) AS entered
FROM entries e JOIN documents d ON d.number = e.source
WHERE e.export_month = $month AND e.kind = 'document' AND e.account = $clients
GROUP BY d.number, d.amount
HAVING sum(e.debit - e.credit) <> d.amount
UNION ALL
SELECT d.number, d.amount, NULL
FROM documents d
WHERE d.issue_date <= $end AND d.number NOT IN (SELECT source FROM entries WHERE kind = 'document')
ORDER BY 1;
