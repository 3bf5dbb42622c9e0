-- Each file that left with a month, other than the documents' PDFs (audit/pdfs.sql), by its path under
-- sorties/, and the SHA-256 of its bytes as its writer recorded it in the transaction that wrote it: the
-- entries files (accounting_exports), the registers, matching and lettering files (output_files). $all = false:
-- those whose latest record in the chain has another hash (a file written again with the same bytes adds
-- nothing; one written with new bytes, a new record: the latest record of a path is what `verify` compares the
-- file with).
WITH written AS (
    SELECT path, sha256 FROM accounting_exports
    UNION ALL
    SELECT path, sha256 FROM output_files
),
latest AS (
    SELECT item, arg_max(content_hash, seq) AS content_hash
    FROM audit_chain
    WHERE kind = 'fichier' AND item IN (SELECT path FROM written)
    GROUP BY item
)
SELECT w.path AS item, w.sha256 AS content_hash
FROM written w
LEFT JOIN latest l ON l.item = w.path
WHERE $all OR l.content_hash IS DISTINCT FROM w.sha256
ORDER BY w.path;
