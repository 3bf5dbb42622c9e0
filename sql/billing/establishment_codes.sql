-- Every establishment of the referential.
SELECT code FROM establishments ORDER BY code;
