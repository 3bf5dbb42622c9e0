-- The latest outcome of a control for a month, with the rows that explain a failure (JSON) and the
-- establishments it holds when it concerns some only.
INSERT OR REPLACE INTO control_results (
    month, control, stage, severity, status, value, detail, evaluated_at, examples, establishments
)
VALUES ($month, $control, $stage, $severity, $status, $value, $detail, $now, $examples, $establishments);
