-- The latest outcome of a control for a month.
INSERT OR REPLACE INTO control_results VALUES ($month, $control, $stage, $severity, $status, $value, $detail, $now);
