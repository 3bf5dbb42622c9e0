-- The failed error-level controls of a month that hold some establishments only (comma-separated codes).
SELECT control, establishments
FROM control_results
WHERE month = $month AND severity = 'erreur' AND status = 'echec' AND establishments IS NOT NULL
ORDER BY control;
