-- The manual decisions last read.
SELECT line_id, number, amount, source_line FROM manual_decisions ORDER BY source_line;
