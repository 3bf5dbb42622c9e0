-- Establishments as documents name them.
SELECT code, any_value(name), any_value(finess) FROM establishments GROUP BY code;
