-- What refunds took of each bank line's credit so far.
SELECT line_id, sum(amount) FROM refunds GROUP BY line_id;
