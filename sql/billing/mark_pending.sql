-- The pairs just valued again: issuing compares their due lines with what was issued.
INSERT OR IGNORE INTO issue_pending SELECT month, establishment_code FROM stale;
