-- The invoices the matching may touch, with what is still open on them (amount + credit notes - allocations -
-- write-offs), and, for one its credit notes alone or a write-off brought to 0, the day of the last of them: every
-- one still open, one brought to 0 by its credit notes or a write-off and not lettered yet, one an allocation of
-- the lines matched reaches, and one the lines or the decisions name ($named). With $everything, all of them. (The
-- 130,000 settled invoices of a 12,000-resident association's second year were read back at each close. $named is
-- joined: searched with list_contains, each invoice was compared with the whole list, and the query took 1.3 s at
-- month 24 instead of 0.16 s.)
CREATE OR REPLACE TEMP TABLE matching_invoices AS
SELECT number, payer_code, issue_date, open_amount,
       CASE WHEN amount + credited = 0 THEN last_credit
            WHEN written_off <> 0 AND open_amount = 0 THEN greatest(last_write_off, last_credit) END AS settled_on
FROM invoice_balances
WHERE $everything
   OR open_amount <> 0
   OR (amount + credited = 0 AND letter IS NULL)
   OR (written_off <> 0 AND open_amount = 0 AND letter IS NULL)
   OR number IN (SELECT number FROM allocations SEMI JOIN matching_lines USING (line_id))
   OR number IN (SELECT unnest($named));

SELECT number, payer_code, issue_date, open_amount, settled_on FROM matching_invoices;
