-- The lines of a month's file, in order.
SELECT journal, journal_label, entry_num, entry_date, account, account_label, coalesce(aux, ''),
       coalesce(aux_label, ''), piece_ref, piece_date, label, debit, credit, coalesce(letter, ''), letter_date,
       valid_date
FROM entries WHERE export_month = $month ORDER BY line_no;
