-- Invoice numbering (docs/rules.md "Invoices"): per series and year, numbers 1..n without gap or repeat, and
-- issue dates that never go back as numbers go up.
WITH numbered AS (
    SELECT series, year, seq, number, issue_date,
           lag(seq) OVER (PARTITION BY series, year ORDER BY seq) AS previous_seq,
           lag(issue_date) OVER (PARTITION BY series, year ORDER BY seq) AS previous_date
    FROM documents
)
SELECT series, year, number, seq, previous_seq, issue_date, previous_date,
       CASE WHEN coalesce(previous_seq, 0) <> seq - 1 THEN 'numero_manquant_ou_repete'
            WHEN issue_date < previous_date THEN 'date_anterieure' END AS problem
FROM numbered
WHERE coalesce(previous_seq, 0) <> seq - 1 OR issue_date < previous_date
   OR number <> series || year || '-' || lpad(seq::VARCHAR, 6, '0')
ORDER BY series, year, seq;
