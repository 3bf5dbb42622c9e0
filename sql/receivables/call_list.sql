-- recouvrement/appels_a_passer.csv: the calls to make, by amount then age, with the calls already made on the
-- payer or on one of the invoices. The task's targets are unnested and joined on equality (comparing every
-- call of the log with every task's list took 3.3 s at month 24 of a 12,000-resident association).
WITH tasks AS (
    SELECT * FROM call_tasks WHERE month = $month
), targets AS (
    SELECT rank, payer_code AS target FROM tasks
    UNION
    SELECT rank, unnest(string_split(numbers, ' ')) FROM tasks
), made AS (
    SELECT g.rank,
           string_agg(strftime(c.day, '%d/%m/%Y') || ' ' || c.result
                      || coalesce(' (promesse au ' || strftime(c.promise_date, '%d/%m/%Y') || ')', ''),
                      ' | ' ORDER BY c.day, c.source_line) AS calls
    FROM targets g JOIN call_log c ON c.target = g.target
    GROUP BY g.rank
)
SELECT t.rank, t.payer_code, coalesce(n.name, ''), t.amount, t.oldest_due, t.numbers, t.reason, coalesce(m.calls, '')
FROM tasks t
LEFT JOIN made m USING (rank)
LEFT JOIN (SELECT code, min(name) AS name FROM payers GROUP BY code
           UNION ALL SELECT 'U' || id, last_name || ' ' || first_name FROM residents) n ON n.code = t.payer_code
ORDER BY t.rank;
