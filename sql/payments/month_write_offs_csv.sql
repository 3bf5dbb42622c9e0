-- tresorerie/non_valeurs.csv: the write-offs the closes of a month recorded.
SELECT number, payer_code, amount, decided_on, coalesce(reason, '')
FROM write_offs WHERE run_month = $month ORDER BY decided_on, number;
