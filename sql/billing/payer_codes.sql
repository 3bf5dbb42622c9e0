-- The payers of financeurs.csv, by code.
SELECT DISTINCT code FROM payers;
