-- The payer codes the operator's files may name (relances/appels.csv `cible`, encaissements/*.csv `payeur`):
-- the payers of the referential and each resident as private payer (U + id_usager), in their stored form.
SELECT code FROM payers
UNION SELECT 'U' || id FROM residents;
