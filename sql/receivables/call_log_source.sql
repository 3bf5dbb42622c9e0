-- What call_log was read from (schema 11): none when the next reading must read the phone log whole.
SELECT sha256, size_bytes, encoding, lines, header FROM call_log_source;
