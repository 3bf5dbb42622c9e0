-- The valuation of the open months is rebuilt whole at each close.
DELETE FROM valued_days WHERE month BETWEEN $first_month AND $last_month;
