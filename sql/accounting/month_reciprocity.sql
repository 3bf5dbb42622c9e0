SELECT aux, name, ledger, ours, ledger - ours AS ecart, explanations, on_date, ledger_path
FROM reciprocity WHERE month = $month ORDER BY aux;
