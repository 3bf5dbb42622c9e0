-- The forms of resident ids and payer codes the warehouse holds (docs/contract.md: outputs keep the form an id was
-- first written with): the referential as last loaded, the activity stored and the documents issued, which
-- name residents and payers that may have left the referential since. A referential read again is written
-- in these forms, whatever a spreadsheet did to their leading zeros.
SELECT DISTINCT 'resident' AS kind, id AS form FROM residents
UNION SELECT DISTINCT 'resident', resident_id FROM activity_days
UNION SELECT DISTINCT 'resident', resident_id FROM document_lines
UNION SELECT DISTINCT 'payer', code FROM payers
UNION SELECT DISTINCT 'payer', payer_code FROM documents
ORDER BY 1, 2;
