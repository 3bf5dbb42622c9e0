-- Bank and receipt files present at the month's close that could not be read.
SELECT path, error FROM bank_files WHERE month = $month AND status = 'illisible' ORDER BY path;
