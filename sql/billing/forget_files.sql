-- A document rendered again (its file had gone missing) replaces its file record.
DELETE FROM document_files WHERE number IN (SELECT unnest($numbers::VARCHAR[]));
