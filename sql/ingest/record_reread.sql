-- An earlier month's folder read again by the close of $run_month, and the extracts that made it so.
INSERT INTO activity_rereads VALUES ($run_month, $month, $paths, $now);
