-- Documents issued up to the month's end that no file carries yet, with what their entry needs.
SELECT d.number, d.type, d.issue_date, d.service_month, d.establishment_code, coalesce(e.type, ''),
       d.payer_code, d.payer_type, d.payer_name, coalesce(nullif(p.auxiliary_account, ''), d.payer_code),
       d.amount, coalesce(d.original_number, ''), coalesce(b.letter, ''), b.settled_on
FROM documents d
LEFT JOIN (SELECT DISTINCT code, type FROM establishments) e ON e.code = d.establishment_code
LEFT JOIN (SELECT code, min(auxiliary_account) AS auxiliary_account FROM payers GROUP BY code) p
  ON p.code = d.payer_code
LEFT JOIN invoice_balances b ON b.number = d.number
WHERE d.issue_date <= $end
  AND d.number NOT IN (SELECT source FROM entries WHERE kind = 'document')
ORDER BY d.issue_date, d.number;
