-- The content hash of each allocation, in the order of recording; $all = false: those not sealed yet.
SELECT a.seq::VARCHAR AS item,
       sha256(to_json([a.seq::VARCHAR, a.line_id, a.number, a.amount::VARCHAR, a.rule, a.allocated_on::VARCHAR,
                       a.run_month])) AS content_hash
FROM allocations a
WHERE $all OR a.seq::VARCHAR NOT IN (SELECT item FROM audit_chain WHERE kind = 'affectation')
ORDER BY a.seq;
