SELECT DISTINCT payer_code, payer_type FROM documents;
