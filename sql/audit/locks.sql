-- The lock of each exported month: month:n, the n-th export of the month (the one after its n-1 unlocks), with
-- the file it locked (path, hash, entries, lines); $all = false: the locks not sealed yet. Sealed in the
-- transaction that exports and locks the month, so that a lock flag turned off without a sealed unlock is an
-- alteration `verify` reports (the entries of the month stay checked).
WITH unlocks AS (
    SELECT month, count(*) AS n FROM accounting_unlocks GROUP BY month
),
locks AS (
    SELECT x.month || ':' || (coalesce(u.n, 0) + 1) AS item,
           sha256(to_json([x.month, x.path, x.sha256, x.entries::VARCHAR, x.lines::VARCHAR])) AS content_hash
    FROM accounting_exports x
    LEFT JOIN unlocks u USING (month)
    WHERE x.locked
)
SELECT item, content_hash
FROM locks
WHERE $all OR item NOT IN (SELECT item FROM audit_chain WHERE kind = 'verrouillage')
ORDER BY item;
