-- The allocations recorded of the lines this close matches (matching_lines.sql), in the order recorded.
SELECT line_id, number, amount, rule, allocated_on FROM allocations SEMI JOIN matching_lines USING (line_id)
ORDER BY seq;
