-- The bank lines stored under the ids $ids, with what identifies their content (reading every line stored
-- made each close read the whole history: 138,239 lines at month 24 of a 12,000-resident association).
SELECT line_id, amount, booking_date FROM bank_lines WHERE line_id IN (SELECT unnest($ids::VARCHAR[]));
