-- The first month valued in the warehouse: where the association's figures begin.
SELECT min(month) FROM valued_days;
