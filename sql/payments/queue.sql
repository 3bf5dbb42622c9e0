-- lettrage/non_rapproches.csv: the lines dated up to the month's end that wait for a manual decision.
SELECT l.line_id, l.booking_date, l.amount, l.account,
       concat_ws(' ', nullif(l.label, ''), nullif(l.reference, ''), nullif(l.details, '')) AS text,
       nullif(l.debtor_name, '') AS debtor_name, nullif(l.debtor_iban, '') AS debtor_iban,
       s.payer_code, s.reason
FROM line_states s
JOIN bank_lines l USING (line_id)
WHERE s.status = 'non_rapproche' AND l.booking_date <= $cutoff
ORDER BY l.booking_date, l.line_id;
