-- One association's figures for the group's report (docs/operations.md "Several associations"), read from its
-- warehouse attached read-only: what its closes of $month issued and allocated, its receivables at the month's
-- end (the aged balance's total) and DSO as its close computed them, the amount held for pending funding files
-- up to the month's end, and whether the month was closed (an aged balance recorded for it).
SELECT
    (SELECT coalesce(sum(amount), 0) FROM documents WHERE run_month = $month)::DECIMAL(18, 2) AS billed,
    (SELECT coalesce(sum(amount), 0) FROM allocations WHERE run_month = $month)::DECIMAL(18, 2) AS received,
    (SELECT total FROM aged_balance WHERE month = $month AND scope = 'payeur' AND code = 'TOTAL') AS receivables,
    (SELECT days FROM dso WHERE month = $month AND scope = 'total') AS dso,
    (SELECT coalesce(sum(amount), 0) FROM valued_days WHERE state = 'en_attente' AND month <= $month)::DECIMAL(18, 2)
        AS held,
    (SELECT count(*) FROM aged_balance WHERE month = $month) > 0 AS closed;
