-- The manual receipts stored, with what their receipt key is made of (assets/payments/manual.py): a receipts
-- file saved again by Excel is recognised by them, whatever the ids its new spelling would make.
SELECT line_id, mode, coalesce(entry_number, ''), booking_date, amount, coalesce(debtor_name, ''),
       coalesce(reference, '')
FROM bank_lines
WHERE source = 'encaissements'
ORDER BY read_at, path, record;
