-- Days and amount per state of a month's valuation.
SELECT state, count(*), sum(amount) FROM valued_days WHERE month = $month GROUP BY state ORDER BY state;
