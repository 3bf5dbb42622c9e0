-- The 411 lines of every entry file Recettes exported, of the auxiliary accounts $auxes: auxiliary account,
-- piece, number, date, amount.
SELECT coalesce(e.aux, ''), coalesce(e.aux_label, ''), e.piece_ref, e.entry_num, e.entry_date, e.debit - e.credit
FROM entries e JOIN accounting_exports x ON x.month = e.export_month
WHERE e.account = $clients AND list_contains($auxes, coalesce(e.aux, ''))
ORDER BY e.entry_date, e.entry_num;
