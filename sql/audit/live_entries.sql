-- The sealed entry lines that should still match the warehouse: those of locked months sealed after the
-- last unlock of their month.
WITH unlocks AS (
    SELECT split_part(item, ':', 1) AS month, max(seq) AS seq FROM audit_chain WHERE kind = 'deverrouillage' GROUP BY 1
)
SELECT c.item, c.content_hash
FROM audit_chain c
LEFT JOIN unlocks u ON u.month = split_part(c.item, ':', 1)
JOIN accounting_exports x ON x.month = split_part(c.item, ':', 1) AND x.locked
WHERE c.kind = 'ecriture' AND c.seq > coalesce(u.seq, 0);
