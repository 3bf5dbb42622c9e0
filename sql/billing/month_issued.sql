-- Whether a close of the month issued documents already (its initial invoices).
SELECT count(*) > 0 FROM documents WHERE run_month = $month;
