-- A préparation replaces the month's previous one.
DELETE FROM prefacturation WHERE month = $month;
