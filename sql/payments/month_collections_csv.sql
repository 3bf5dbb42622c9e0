-- tresorerie/prelevements.csv: the presentations the closes of a month recorded.
SELECT number, payer_code, rum, amount, collection_date, sequence
FROM collections WHERE run_month = $month ORDER BY collection_date, sequence, number, seq;
