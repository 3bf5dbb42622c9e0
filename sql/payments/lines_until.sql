-- The bank lines dated up to the cut-off, with everything a person would read to recognise them.
SELECT line_id, booking_date, amount,
       concat_ws(' ', nullif(label, ''), nullif(reference, ''), nullif(details, '')) AS text,
       coalesce(debtor_iban, '') AS iban, coalesce(debtor_name, '') AS name, coalesce(end_to_end_id, '') AS e2e,
       reversal, coalesce(payer_hint, '') AS payer_hint, currency
FROM bank_lines
WHERE booking_date <= $cutoff;
