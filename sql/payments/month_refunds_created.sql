SELECT max(recorded_at) FROM refunds WHERE run_month = $month;
