-- The last record of the audit chain (0 and 64 zeros when it is empty).
SELECT coalesce(max(seq), 0), coalesce(arg_max(hash, seq), repeat('0', 64)) FROM audit_chain;
