SELECT max(recorded_at) FROM collections WHERE run_month = $month;
