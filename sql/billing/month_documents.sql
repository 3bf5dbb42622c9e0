-- The documents issued by the closes of a month, in number order.
SELECT * FROM documents WHERE run_month = $month ORDER BY series DESC, year ASC, seq ASC;
