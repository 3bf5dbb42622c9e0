-- The states of the lines matched at this close (the frame `new_states`) replace their previous states; the
-- lines left out keep theirs. Only the rows that changed are rewritten: a state left as it was keeps the
-- cut-off of the close that set it.
DELETE FROM line_states WHERE line_id IN (
    SELECT line_id FROM new_states
    EXCEPT
    SELECT line_id FROM line_states s JOIN new_states n USING (line_id)
    WHERE s.status = n.status AND s.payer_code IS NOT DISTINCT FROM n.payer_code
      AND s.rule IS NOT DISTINCT FROM n.rule AND s.allocated = n.allocated AND s.unallocated = n.unallocated
      AND s.reason IS NOT DISTINCT FROM n.reason AND s.reverses IS NOT DISTINCT FROM n.reverses
);
INSERT INTO line_states BY NAME SELECT * FROM new_states WHERE line_id NOT IN (SELECT line_id FROM line_states);
