-- The balance on $on of each auxiliary account of 411 in the entry files Recettes exported (every account
-- that has a line, whatever its date).
SELECT coalesce(e.aux, ''), coalesce(sum(e.debit - e.credit) FILTER (WHERE e.entry_date <= $on), 0)
FROM entries e JOIN accounting_exports x ON x.month = e.export_month
WHERE e.account = $clients
GROUP BY ALL;
