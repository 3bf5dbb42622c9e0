-- The content hash of each unlock of an exported month (month:n, the n-th of that month), in order;
-- $all = false: those not sealed yet.
WITH numbered AS (
    SELECT month, reason, unlocked_at,
           month || ':' || row_number() OVER (PARTITION BY month ORDER BY unlocked_at, reason) AS item
    FROM accounting_unlocks
)
SELECT item, sha256(to_json([month, reason])) AS content_hash
FROM numbered
WHERE $all OR item NOT IN (SELECT item FROM audit_chain WHERE kind = 'deverrouillage')
ORDER BY unlocked_at, item;
