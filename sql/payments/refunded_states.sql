-- What the refunds just recorded took is no longer the lines' credit: a line refunded whole is settled.
UPDATE line_states s
SET unallocated = s.unallocated - r.amount,
    status = CASE WHEN s.unallocated - r.amount = 0 THEN 'rapproche' ELSE s.status END
FROM (SELECT line_id, sum(amount) AS amount FROM refunds WHERE recorded_at = $now GROUP BY line_id) r
WHERE r.line_id = s.line_id;
