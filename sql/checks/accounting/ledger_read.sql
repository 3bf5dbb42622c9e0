-- Whether a general ledger was read back at the month's close (a row per payer with a gap, or none).
SELECT EXISTS (SELECT 1 FROM input_files WHERE kind = 'comptabilite' AND month = $month)
    OR EXISTS (SELECT 1 FROM reciprocity WHERE month = $month);
