-- The letter events the lettering file of an open month lists (docs/rules.md "Accounting entries"): those given by the
-- closes up to that month that no earlier file took. A letter given is listed once the client-account lines of
-- its invoice exported up to that month balance (a credit note dated after the month's end waits for the next
-- file); a letter taken back is listed at once; a letter given and taken back before any file listed it is
-- taken without being shown.
DELETE FROM lettering_listed WHERE month = $month;

INSERT INTO lettering_listed
WITH pending AS (
    SELECT seq, number, letter, event FROM letters
    WHERE run_month <= $month AND seq NOT IN (SELECT seq FROM lettering_listed)
),
balances AS (
    SELECT number, sum(debit - credit) AS balance
    FROM entry_invoices
    WHERE account = $clients AND export_month <= $month AND number IN (SELECT number FROM pending)
    GROUP BY number
),
undone AS (
    SELECT g.seq FROM pending g
    JOIN pending t ON t.number = g.number AND t.letter = g.letter AND t.event = 'delettre' AND t.seq > g.seq
    WHERE g.event = 'lettre'
)
SELECT $month, p.seq, p.seq NOT IN (SELECT seq FROM undone)
FROM pending p LEFT JOIN balances b USING (number)
WHERE p.event = 'delettre' OR p.seq IN (SELECT seq FROM undone) OR b.balance = 0;
