-- The receipts dated after the month's end and by a day ($on, the dunning's) that no close matched yet: the
-- close of their own month will; the dunning of this one must not chase who sent them.
SELECT line_id, booking_date, amount,
       concat_ws(' ', nullif(label, ''), nullif(reference, ''), nullif(details, '')) AS text,
       coalesce(debtor_iban, '') AS iban, coalesce(debtor_name, '') AS name, coalesce(end_to_end_id, '') AS e2e,
       reversal, coalesce(payer_hint, '') AS payer_hint, currency
FROM bank_lines
WHERE booking_date > $cutoff AND booking_date <= $on AND amount > 0 AND NOT reversal
  AND line_id NOT IN (SELECT line_id FROM line_states);
