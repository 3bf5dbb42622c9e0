-- An open month's entries are rebuilt at each close.
DELETE FROM entries WHERE export_month = $month;
