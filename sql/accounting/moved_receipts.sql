-- Receipts entered by an earlier month's file whose state this close changed (a decision placed them, a return
-- or a correction moved them): each one once, with what its entries put on each payer's account so far (by
-- auxiliary account, the waiting account as ''), for the entry that moves the difference. Only the states this
-- close rewrote are read (replace_states.sql keeps the cut-off of an unchanged state).
WITH moved AS (
    SELECT s.line_id, s.payer_code FROM line_states s
    WHERE s.cutoff = $end AND s.status IN ('rapproche', 'credit', 'non_rapproche', 'rejet', 'rejete')
      AND s.line_id IN (SELECT source FROM entries WHERE kind = 'encaissement' AND export_month <> $month)
)
SELECT m.line_id, l.booking_date, l.amount, coalesce(m.payer_code, ''),
       CASE WHEN e.account = $waiting THEN '' ELSE e.aux END AS aux, sum(e.credit - e.debit)::DECIMAL(18, 2)
FROM moved m
JOIN bank_lines l USING (line_id)
JOIN entries e ON e.source = m.line_id
WHERE e.kind IN ('encaissement', 'affectation') AND e.export_month <> $month
  AND (e.account = $waiting OR (e.account = $clients AND coalesce(e.aux, '') <> ''))
GROUP BY ALL
ORDER BY 1, 5;
