-- The states of the lines matched at this close replace their previous states.
DELETE FROM line_states WHERE line_id IN (SELECT line_id FROM bank_lines WHERE booking_date <= $cutoff);
