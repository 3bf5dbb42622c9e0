-- The content hash of each document with its lines, in the order of issue; $all = false: those not sealed yet.
-- Every column that the document says is hashed, in this order (a column added later is not); the clock
-- column issued_at is not, so that a close interrupted and run again seals the same content. What a credit note
-- takes off each invoice it corrects is sealed with it (not the shares derived at schema 14 for the credit notes
-- issued before: their lines and original_number, sealed, give them).
WITH todo AS (
    SELECT number FROM documents
    WHERE $all OR number NOT IN (SELECT item FROM audit_chain WHERE kind = 'document')
),
lines AS (
    SELECT number, string_agg(to_json([line_no::VARCHAR, resident_id, resident_name, category, label,
                                       quantity::VARCHAR, unit_price::VARCHAR, amount::VARCHAR]), ','
                      ORDER BY line_no) AS body
    FROM document_lines
    WHERE number IN (SELECT number FROM todo)
    GROUP BY number
),
corrections AS (
    SELECT number,
           string_agg(to_json([corrected, resident_id, amount::VARCHAR]), ',' ORDER BY corrected, resident_id) AS body
    FROM document_corrections
    WHERE NOT derived AND number IN (SELECT number FROM todo)
    GROUP BY number
)
SELECT d.number AS item,
       sha256(to_json([d.number, d.series, d.year::VARCHAR, d.seq::VARCHAR, d.type, d.nature, d.issue_date::VARCHAR,
                       d.due_date::VARCHAR, d.service_month, d.establishment_code, d.payer_code, d.payer_type,
                       d.amount::VARCHAR, d.original_number, d.run_month, d.payer_name, d.payer_address,
                       d.payer_siret, d.payer_service_code, d.payer_iban, d.attention_of, d.commitment_number])
              || '[' || coalesce(l.body, '') || ']' || coalesce('{' || k.body || '}', '')) AS content_hash
FROM documents d
LEFT JOIN lines l USING (number)
LEFT JOIN corrections k USING (number)
WHERE d.number IN (SELECT number FROM todo)
ORDER BY d.issued_at, d.series, d.year, d.seq;
