-- Bank lines dated after the cut-off: a decision about one waits for the close of its month.
SELECT line_id FROM bank_lines WHERE booking_date > $cutoff;
