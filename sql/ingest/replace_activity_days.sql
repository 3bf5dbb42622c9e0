-- The month's days before the extracts just read are stored, except the days in force before them for an
-- establishment whose extract is held now ($held, B1) and for an extract that cannot be read now ($unreadable):
-- a month already billed keeps its days until its extract is corrected (read as no activity, the next close
-- credited every invoice of that establishment and month).
DELETE FROM activity_days
WHERE month = $month
  AND (held OR (establishment_code NOT IN (SELECT unnest($held::VARCHAR[]))
                AND source_path NOT IN (SELECT unnest($unreadable::VARCHAR[]))));
