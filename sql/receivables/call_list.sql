-- recouvrement/appels_a_passer.csv: the calls to make, by amount then age, with the calls already made.
SELECT t.rank, t.payer_code, coalesce(n.name, ''), t.amount, t.oldest_due, t.numbers, t.reason,
       coalesce((SELECT string_agg(strftime(c.day, '%d/%m/%Y') || ' ' || c.result
                                   || coalesce(' (promesse au ' || strftime(c.promise_date, '%d/%m/%Y') || ')', ''),
                                   ' | ' ORDER BY c.day)
                 FROM call_log c WHERE c.target = t.payer_code
                    OR list_contains(string_split(t.numbers, ' '), c.target)), '')
FROM call_tasks t
LEFT JOIN (SELECT code, min(name) AS name FROM payers GROUP BY code
           UNION ALL SELECT 'U' || id, last_name || ' ' || first_name FROM residents) n ON n.code = t.payer_code
WHERE t.month = $month ORDER BY t.rank;
