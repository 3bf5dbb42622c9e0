-- The due lines of the open months, as stored by the valuation.
SELECT month, payer_code, payer_type, establishment_code, resident_id, category, unit_price, quantity, amount
FROM due_lines
WHERE month BETWEEN $first_month AND $last_month
