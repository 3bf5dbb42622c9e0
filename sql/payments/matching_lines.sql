-- The bank lines a close matches, dated up to the cut-off, with everything a person would read to recognise
-- them. The lines whose state can no longer change are left out (with $everything false): fully allocated,
-- a debit, another currency, a return applied and the debit it returned, and a line whose manual decision is
-- applied as it stands (below). A line is still matched when a manual decision names it and is not applied
-- yet or changed, when it ever had a manual allocation (a decision withdrawn gives it back to automatic
-- matching), and when it may be the debit of a return not applied yet (same end-to-end id, or the same
-- account -- compared on its letters and digits -- and the opposite amount), unless a return left out took
-- it already. Reading every line to date made the matching grow with the history (13 s of a 12,000-resident
-- close at month 24); so did reading every decided line again (the decisions pile up in
-- lettrage_manuel.csv).
--
-- A decision is applied as it stands when the matching would append nothing for it and give its line the
-- same state (matching._apply_decisions): the line's state is the one a decision sets, and either its one
-- row says "not ours" and the line has no allocation, or its rows name invoices only, each with an amount
-- (or one row, whose empty amount is the line's), positive by invoice, within the line's amount, and equal
-- by invoice to what the line has allocated. Anything else is matched again, which is only slower.
CREATE OR REPLACE TEMP TABLE matching_lines AS
WITH decided AS (
    SELECT line_id, count(*) AS rows, count(*) FILTER (WHERE coalesce(number, '') = '') AS not_ours,
           count(*) FILTER (WHERE amount IS NULL) AS whole
    FROM manual_decisions GROUP BY line_id
), net AS (
    SELECT line_id, number, sum(amount) AS amount
    FROM allocations SEMI JOIN decided USING (line_id)
    GROUP BY line_id, number HAVING sum(amount) <> 0
), target AS (
    SELECT m.line_id, m.number, sum(coalesce(m.amount, b.amount)) AS amount, any_value(b.amount) AS line_amount
    FROM manual_decisions m JOIN decided d USING (line_id) JOIN bank_lines b USING (line_id)
    WHERE d.not_ours = 0 AND (d.whole = 0 OR d.rows = 1)
    GROUP BY m.line_id, m.number
), differing AS (
    SELECT coalesce(t.line_id, n.line_id) AS line_id
    FROM target t FULL JOIN net n ON n.line_id = t.line_id AND n.number = t.number
    WHERE t.amount IS DISTINCT FROM n.amount
), applied AS (  -- and the state the decision gives: matching._state_of, rule manuel, no reason
    SELECT line_id FROM decided d JOIN line_states s USING (line_id)
    WHERE d.rows = 1 AND d.not_ours = 1 AND s.status = 'hors_recettes' AND s.rule = 'manuel'
      AND s.reason = 'décision manuelle' AND coalesce(s.reverses, '') = ''
      AND line_id NOT IN (SELECT line_id FROM net)
    UNION ALL
    SELECT line_id FROM (
        SELECT line_id, sum(amount) AS allocated, any_value(line_amount) AS line_amount FROM target
        GROUP BY line_id HAVING min(amount) > 0 AND sum(amount) <= any_value(line_amount)
    ) t JOIN line_states s USING (line_id)
    WHERE line_id NOT IN (SELECT line_id FROM differing)
      AND s.status = CASE WHEN t.allocated = t.line_amount THEN 'rapproche' ELSE 'credit' END
      AND s.rule = 'manuel' AND s.allocated = t.allocated AND s.unallocated = t.line_amount - t.allocated
      AND coalesce(s.reason, '') = '' AND coalesce(s.reverses, '') = ''
), candidates AS (
    SELECT l.line_id FROM bank_lines l LEFT JOIN line_states s USING (line_id)
    WHERE l.booking_date <= $cutoff
      AND ($everything OR s.status IS NULL OR s.status NOT IN ('rapproche', 'debit', 'devise', 'rejet', 'rejete'))
    UNION SELECT line_id FROM manual_decisions
    UNION SELECT line_id FROM allocations WHERE rule = 'manuel'
    -- the lines that paid an invoice its credit notes took below 0: they take the excess back as credit
    UNION SELECT line_id FROM allocations
    WHERE amount > 0 AND number IN (SELECT number FROM invoice_balances WHERE open_amount < 0)
    -- the return of a decided line: it applies after the decision (a decision on a debit returned)
    UNION SELECT line_id FROM line_states WHERE status = 'rejet' AND reverses IN (SELECT line_id FROM manual_decisions)
), considered AS (
    SELECT l.line_id, l.booking_date, l.amount, l.reversal, coalesce(l.end_to_end_id, '') AS e2e,
           upper(regexp_replace(coalesce(l.debtor_iban, ''), '[^A-Za-z0-9]', '', 'g')) AS account
    FROM bank_lines l SEMI JOIN candidates c USING (line_id)
    WHERE l.booking_date <= $cutoff AND ($everything OR l.line_id NOT IN (SELECT line_id FROM applied))
), taken AS (  -- debits a return left out reverses: not returned twice (matching.Settled.taken)
    SELECT s.reverses AS line_id FROM line_states s ANTI JOIN considered c USING (line_id)
    WHERE s.status = 'rejet' AND coalesce(s.reverses, '') <> ''
), returns AS (
    SELECT booking_date, amount, e2e, account FROM considered WHERE reversal AND amount < 0
), originals AS MATERIALIZED (  -- each line's account normalised once, not once per pair in a join condition
    SELECT line_id, booking_date, amount, end_to_end_id,
           upper(regexp_replace(coalesce(debtor_iban, ''), '[^A-Za-z0-9]', '', 'g')) AS account
    FROM bank_lines WHERE amount > 0 AND line_id NOT IN (SELECT line_id FROM taken)
), debits AS (  -- two equality joins: one join on "same id OR same account" compared every pair
    SELECT o.line_id FROM returns r JOIN originals o ON o.end_to_end_id = r.e2e AND o.booking_date <= r.booking_date
    WHERE r.e2e <> ''
    UNION
    SELECT o.line_id FROM returns r JOIN originals o
      ON o.account = r.account AND o.amount = -r.amount AND o.booking_date <= r.booking_date
    WHERE r.account <> ''
    UNION  -- and the debit a return matched again reversed (a decision on the return gives it back)
    SELECT s.reverses FROM line_states s SEMI JOIN considered c USING (line_id)
    WHERE s.status = 'rejet' AND coalesce(s.reverses, '') <> ''
)
SELECT line_id FROM considered UNION SELECT line_id FROM debits;

SELECT line_id, booking_date, amount,
       concat_ws(' ', nullif(label, ''), nullif(reference, ''), nullif(details, '')) AS text,
       coalesce(debtor_iban, '') AS iban, coalesce(debtor_name, '') AS name, coalesce(end_to_end_id, '') AS e2e,
       reversal, coalesce(payer_hint, '') AS payer_hint, currency
FROM bank_lines SEMI JOIN matching_lines USING (line_id);
