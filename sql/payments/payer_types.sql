-- Each payer's type (the residents as payers are of type usager).
SELECT code, min(type) FROM payers GROUP BY code
UNION ALL
SELECT 'U' || id, 'usager' FROM residents GROUP BY id;
