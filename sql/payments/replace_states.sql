-- The states of the lines matched at this close (the frame `new_states`, one row per line dated up to the
-- cut-off) replace their previous states. Only the rows that changed are rewritten: a state left as it was
-- keeps the cut-off of the close that set it (deleting and inserting every line's state again took most of
-- the matching's time once the history held a few tens of thousands of lines).
DELETE FROM line_states WHERE line_id IN (
    SELECT line_id FROM bank_lines WHERE booking_date <= $cutoff
    EXCEPT
    SELECT line_id FROM line_states s JOIN new_states n USING (line_id)
    WHERE s.status = n.status AND s.payer_code IS NOT DISTINCT FROM n.payer_code
      AND s.rule IS NOT DISTINCT FROM n.rule AND s.allocated = n.allocated AND s.unallocated = n.unallocated
      AND s.reason IS NOT DISTINCT FROM n.reason AND s.reverses IS NOT DISTINCT FROM n.reverses
);
INSERT INTO line_states BY NAME SELECT * FROM new_states WHERE line_id NOT IN (SELECT line_id FROM line_states);
