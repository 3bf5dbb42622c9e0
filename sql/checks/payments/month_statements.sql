-- Every statement of the files present at the month's close, each content once.
SELECT DISTINCT s.path, s.rank, s.account, s.currency, s.opening_date, s.opening_balance, s.closing_date,
       s.closing_balance, s.movements, s.has_balances
FROM bank_statements s
JOIN bank_files f ON f.sha256 = s.sha256 AND f.month = $month AND f.status IN ('lu', 'deja_lu')
ORDER BY s.account, s.opening_date, s.path, s.rank;
