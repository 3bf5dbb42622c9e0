-- Contents of bank and receipt files already read, with the path they were first read under.
SELECT sha256, min(path) FROM input_files
WHERE kind IN ('banque', 'encaissements') AND status = 'lu'
GROUP BY sha256;
