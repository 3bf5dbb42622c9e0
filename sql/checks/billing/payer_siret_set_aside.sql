-- The payers given ($codes), with the file and line of their row in financeurs and, when their SIRET was set
-- aside as unreadable, why.
SELECT p.code, p.src_line, q.path, q.reason
FROM payers p
LEFT JOIN quarantine q
    ON q.scope = 'referentiel' AND q.column_name = 'siret' AND q.line = p.src_line
   AND q.path LIKE 'referentiel/financeurs.%'
WHERE p.code IN (SELECT unnest($codes::VARCHAR[]))
ORDER BY p.code;
