-- Every bank line stored, with what identifies its content.
SELECT line_id, amount, booking_date FROM bank_lines;
