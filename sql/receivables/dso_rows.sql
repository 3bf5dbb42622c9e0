SELECT month, scope, receivables, days FROM dso WHERE month <= $month ORDER BY month ASC, scope = 'total' DESC, scope;
