-- The valuation and what is due for the open months are rebuilt whole at each close.
DELETE FROM valued_days WHERE month BETWEEN $first_month AND $last_month;
DELETE FROM due_lines WHERE month BETWEEN $first_month AND $last_month;
