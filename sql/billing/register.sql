-- factures/registre.csv: every document issued by the closes of a month (docs/contract.md).
SELECT number, type, issue_date, due_date, service_month, establishment_code, payer_code, amount,
       original_number, nature
FROM documents
WHERE run_month = $month
ORDER BY series DESC, year ASC, seq ASC;
