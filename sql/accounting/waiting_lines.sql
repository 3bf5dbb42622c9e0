-- Receipts entered on the waiting account, with what was moved from it to payers since.
SELECT e.source, min(e.piece_date), sum(e.credit - e.debit)::DECIMAL(18, 2) AS waiting,
       coalesce((SELECT sum(t.credit - t.debit) FROM entries t
                 WHERE t.kind = 'affectation' AND t.source = e.source AND t.account <> $waiting), 0)::DECIMAL(18, 2)
FROM entries e
WHERE e.kind = 'encaissement' AND e.account = $waiting
GROUP BY e.source;
