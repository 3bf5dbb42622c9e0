-- What the préparation drafted for one establishment of the month.
INSERT INTO prefacturation (month, establishment_code, fingerprint, documents, amount, blocked, prepared_at)
VALUES ($month, $code, $fingerprint, $documents, $amount, $blocked, $now);
