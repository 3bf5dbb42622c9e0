-- An extract's rejected rows include those naming an unknown establishment or resident.
UPDATE activity_files SET rows_rejected = rows_rejected + $n WHERE month = $month AND path = $path;
