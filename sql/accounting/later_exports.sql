-- Months exported and still locked after a given month.
SELECT month FROM accounting_exports WHERE month > $month AND locked ORDER BY month;
