-- The levels already sent of the invoices open now (dunning_invoices, open_invoices.sql), in the order sent, with
-- the month whose close sent them: a level is never sent twice. The dunning consults them for open invoices
-- only; reading every reminder ever sent made it grow with the history.
SELECT number, level, day, run_month FROM reminders SEMI JOIN dunning_invoices USING (number) ORDER BY seq;
