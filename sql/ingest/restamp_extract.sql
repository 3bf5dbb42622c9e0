-- An extract found unchanged by its SHA-256 under a new stamp (touched, the data folder copied): the new stamp,
-- so that the next close does not hash it again.
UPDATE activity_files SET stamp = $stamp WHERE month = $month AND path = $path;
