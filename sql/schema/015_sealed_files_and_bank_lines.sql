-- Schema 15: the audit chain also seals the bank lines, each month's lock, and the files that leave with a
-- month (sql/audit/). output_files: the latest SHA-256 of each output file without a table of its own
-- (registers, matching and lettering files), recorded by its writer in the transaction that writes it; the
-- documents' PDFs and the entries files have theirs in document_files and accounting_exports.
CREATE TABLE output_files (
    path   VARCHAR NOT NULL,                -- under sorties/: 2025-03/factures/registre.csv
    sha256 VARCHAR NOT NULL
);

-- An existing chain gets one record saying where schema 15 began. Until the next seal (the next close, or an
-- unlock), `recettes verify` lists the bank lines, locks, PDFs and entries files recorded before it as "non
-- scellé (antérieur)" without failing; that seal seals them, from the hashes recorded when they were written. A
-- register, matching or lettering file written before (no table kept its hash) stays "antérieur" until its
-- month's next close writes it again: nothing can tell what it was when written.
INSERT INTO audit_chain
SELECT seq + 1, 'mise_a_niveau', '015', sha256('015'), hash,
       sha256(hash || '|mise_a_niveau|015|' || sha256('015')), current_localtimestamp()
FROM (SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1) last_record;
