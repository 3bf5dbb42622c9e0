-- Closes after a month that already issued documents or sent reminders: dunning belongs to the latest one.
SELECT max(run_month) FROM (
    SELECT run_month FROM documents WHERE run_month > $month
    UNION ALL SELECT run_month FROM reminders WHERE run_month > $month
) later;
