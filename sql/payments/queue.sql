-- lettrage/non_rapproches.csv: the lines dated up to the month's end that wait for a manual decision. The
-- debtor's IBAN is masked (country, check digits and last four): enough to recognise an account, useless to
-- anyone who finds the file.
SELECT l.line_id, l.booking_date, l.amount, l.account,
       concat_ws(' ', nullif(l.label, ''), nullif(l.reference, ''), nullif(l.details, '')) AS text,
       nullif(l.debtor_name, '') AS debtor_name, CASE WHEN length(l.debtor_iban) > 8
            THEN left(l.debtor_iban, 4) || repeat('*', length(l.debtor_iban) - 8) || right(l.debtor_iban, 4)
       END AS debtor_iban,
       s.payer_code, s.reason
FROM line_states s
JOIN bank_lines l USING (line_id)
WHERE s.status = 'non_rapproche' AND l.booking_date <= $cutoff
ORDER BY l.booking_date, l.line_id;
