-- The content hash of each entry line of the exported (locked) months, in file order; $all = false: those
-- not sealed since the last unlock of their month.
WITH unlocks AS (
    SELECT split_part(item, ':', 1) AS month, max(seq) AS seq FROM audit_chain WHERE kind = 'deverrouillage' GROUP BY 1
),
live AS (
    SELECT c.item
    FROM audit_chain c
    LEFT JOIN unlocks u ON u.month = split_part(c.item, ':', 1)
    WHERE c.kind = 'ecriture' AND c.seq > coalesce(u.seq, 0)
)
SELECT e.export_month || ':' || e.line_no AS item,
       sha256(to_json([e.export_month, e.journal, e.journal_label, e.entry_num, e.line_no::VARCHAR,
                       e.entry_date::VARCHAR, e.account, e.account_label, e.aux, e.aux_label, e.piece_ref,
                       e.piece_date::VARCHAR, e.label, e.debit::VARCHAR, e.credit::VARCHAR, e.letter,
                       e.letter_date::VARCHAR, e.valid_date::VARCHAR, e.kind, e.source])) AS content_hash
FROM entries e
JOIN accounting_exports x ON x.month = e.export_month AND x.locked
WHERE $all OR (e.export_month || ':' || e.line_no) NOT IN (SELECT item FROM live)
ORDER BY e.export_month, e.line_no;
