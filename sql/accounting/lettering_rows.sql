-- The lettering file of a month: each letter event it lists, with the client-account lines of its invoice
-- exported up to that month, whichever month's file carried them.
SELECT l.event, l.letter, l.event_date, l.number, l.payer_code, e.journal, e.entry_num, e.entry_date, e.account,
       coalesce(e.aux, ''), e.piece_ref, e.label, abs(e.debit - e.credit)::DECIMAL(18, 2),
       CASE WHEN e.debit >= e.credit THEN 'D' ELSE 'C' END, 'ecritures_' || e.export_month || '.txt'
FROM lettering_listed x
JOIN letters l USING (seq)
JOIN entry_invoices e ON e.number = l.number AND e.account = $clients AND e.export_month <= $month
WHERE x.month = $month AND x.shown
ORDER BY l.seq, e.export_month, e.line_no;
