-- Rows set aside from a file at this close, before the file is read again.
DELETE FROM quarantine WHERE scope IN ('banque', 'lettrage') AND month = $month AND path = $path;
