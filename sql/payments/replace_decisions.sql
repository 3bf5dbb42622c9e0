-- The manual decisions are replaced by the file's current rows.
DELETE FROM manual_decisions;
