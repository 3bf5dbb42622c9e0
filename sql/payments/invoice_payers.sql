-- The payer of each invoice among $numbers.
SELECT number, payer_code FROM documents WHERE type = 'facture' AND number IN (SELECT unnest($numbers::VARCHAR[]));
