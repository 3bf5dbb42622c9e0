-- The content hash of each bank line: its id, account, currency, booking date and amount (what matching and the
-- entries read from it, the same whichever file brought it first), in id order; $all = false: those not sealed
-- yet. Sealed in the transaction that stores them; a line is never updated.
SELECT line_id AS item,
       sha256(to_json([line_id, account, currency, booking_date::VARCHAR, amount::VARCHAR])) AS content_hash
FROM bank_lines
WHERE $all OR line_id NOT IN (SELECT item FROM audit_chain WHERE kind = 'ligne_bancaire')
ORDER BY line_id;
