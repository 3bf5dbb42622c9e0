SELECT seq, kind, item, content_hash, previous, hash FROM audit_chain ORDER BY seq, sealed_at, hash;
