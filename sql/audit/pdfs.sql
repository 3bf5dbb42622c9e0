-- Each document's PDF, by its path under sorties/, and the SHA-256 of its bytes as recorded in document_files
-- when it was rendered; $all = false: those whose path and hash are not sealed together (rendered for the first
-- time, or again because the file had gone missing). A document never changes and its PDF carries the time of
-- its rendering, so a hash sealed before is the path's latest: looking up the pairs takes about 0.1 s for 200,000
-- PDFs, the latest record of each path 0.17 s.
SELECT path AS item, sha256 AS content_hash
FROM document_files
WHERE $all OR path IN (
    SELECT path FROM (
        SELECT path, sha256 FROM document_files
        EXCEPT
        SELECT item, content_hash FROM audit_chain WHERE kind = 'pdf'
    ) unsealed
)
ORDER BY path;
