-- What call_log now holds was read from this content ($keep), or from nothing a later reading can start from.
DELETE FROM call_log_source;
INSERT INTO call_log_source
SELECT $sha256, $size_bytes, $encoding, $lines, $header WHERE $keep;
