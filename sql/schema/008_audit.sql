-- Schema 8: the audit trail. Every issued document (with its lines), allocation and exported entry line,
-- and every unlock of an exported month, is sealed in the transaction that records it: the hash of its
-- content, chained to the hash of the record before it. An unlock releases the entries of its month; they
-- are sealed again when the month is exported anew. `recettes verify` recomputes the whole chain.
CREATE TABLE audit_chain (
    seq          BIGINT PRIMARY KEY,     -- 1, 2, 3… without gap
    kind         VARCHAR NOT NULL,       -- document, affectation, ecriture, deverrouillage
    item         VARCHAR NOT NULL,       -- document number, allocation seq, month:line of the file, month:n
    content_hash VARCHAR NOT NULL,       -- sha256 of the item's content (columns in the order of sql/audit/)
    previous     VARCHAR NOT NULL,       -- hash of the record before (64 zeros for the first)
    hash         VARCHAR NOT NULL,       -- sha256 of "previous|kind|item|content_hash"
    sealed_at    TIMESTAMP NOT NULL
);
