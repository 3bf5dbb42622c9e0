-- The month's days before the extracts just read are stored, except, for an establishment whose extract is held
-- now ($held, B1), the days in force before it: a month already billed keeps its days until its extract is
-- corrected (read as no activity, the next close credited every invoice of that establishment and month).
DELETE FROM activity_days
WHERE month = $month AND (held OR establishment_code NOT IN (SELECT unnest($held::VARCHAR[])));
