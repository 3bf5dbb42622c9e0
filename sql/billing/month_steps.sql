-- The month's steps after the émission: its entries file exported (and locked), its reminders sent.
SELECT (SELECT any_value(exported_at) FROM accounting_exports WHERE month = $month) AS exported_at,
       (SELECT count(*) FROM reminders WHERE run_month = $month) AS reminders;
