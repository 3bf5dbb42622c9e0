-- The month's documents and who they go to, to know which must be Factur-X.
SELECT number, payer_type, payer_siret FROM documents WHERE run_month = $month;
