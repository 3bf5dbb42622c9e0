-- The months from $since to $month.
SELECT strftime(m, '%Y-%m')
FROM generate_series(CAST($since || '-01' AS DATE), CAST($month || '-01' AS DATE), INTERVAL 1 MONTH) t (m)
ORDER BY 1;
