-- Schema 13: the audit chain without its primary key. DuckDB writes a table's whole index again at every
-- checkpoint that follows a change to the table (duckdb/duckdb#24848, open in 1.5): three seals a close
-- cost 0.085 s each at month 24 of a 12,000-resident association (919,264 records), and more every month.
-- The index served no query. `seal` numbers the records from the head under the warehouse's exclusive
-- lock, and `recettes verify` still finds a number missing or twice, as it finds a broken link.
CREATE TABLE audit_chain_13 (
    seq          BIGINT NOT NULL,        -- 1, 2, 3… without gap
    kind         VARCHAR NOT NULL,       -- document, affectation, ecriture, deverrouillage
    item         VARCHAR NOT NULL,       -- document number, allocation seq, month:line of the file, month:n
    content_hash VARCHAR NOT NULL,       -- sha256 of the item's content (columns in the order of sql/audit/)
    previous     VARCHAR NOT NULL,       -- hash of the record before (64 zeros for the first)
    hash         VARCHAR NOT NULL,       -- sha256 of "previous|kind|item|content_hash"
    sealed_at    TIMESTAMP NOT NULL
);

INSERT INTO audit_chain_13
SELECT seq, kind, item, content_hash, previous, hash, sealed_at FROM audit_chain ORDER BY seq;

DROP TABLE audit_chain;

ALTER TABLE audit_chain_13 RENAME TO audit_chain;
