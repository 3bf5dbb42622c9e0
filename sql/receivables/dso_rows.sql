SELECT month, scope, receivables, days FROM dso WHERE month <= $month ORDER BY month, scope = 'total' DESC, scope;
