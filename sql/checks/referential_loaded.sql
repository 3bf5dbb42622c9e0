-- Whether a referential was ever loaded (files recorded, residents stored).
SELECT (SELECT count(*) FROM referential_files), (SELECT count(*) FROM residents);
