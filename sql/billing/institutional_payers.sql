-- The payers of financeurs.csv (bordereaux go to them; residents get their invoices directly).
SELECT code, any_value(name), any_value(address), any_value(siret) FROM payers GROUP BY code;
