-- The refund requests of relances/remboursements.csv applied so far (each once).
SELECT DISTINCT source FROM refunds WHERE source <> 'delai';
