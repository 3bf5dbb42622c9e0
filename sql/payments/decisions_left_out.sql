-- The bank lines a manual decision names that this close does not match (after matching_lines.sql): dated
-- after the cut-off (the decision waits for the close of their month), or whose decision is applied as it
-- stands. `later` tells which.
SELECT line_id, bool_or(booking_date > $cutoff) AS later
FROM bank_lines SEMI JOIN manual_decisions USING (line_id) ANTI JOIN matching_lines USING (line_id)
GROUP BY line_id;
