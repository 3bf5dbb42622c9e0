-- The last record of the audit chain (0 and 64 zeros when it is empty), and its kind. The last seq's record
-- alone is read: arg_max(hash, seq) read every hash of the chain (900,000 at a large association's month 24).
SELECT coalesce(max(seq), 0), coalesce(max(hash), repeat('0', 64)), max(kind)
FROM (SELECT seq, hash, kind FROM audit_chain ORDER BY seq DESC LIMIT 1) last_record;
