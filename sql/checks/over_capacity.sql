-- Days when more residents are present (code P) in an establishment than it has places.
SELECT a.establishment_code, a.day, count(DISTINCT a.resident_id) AS present, e.capacity
FROM activity_days a
JOIN (SELECT code, max(capacity) AS capacity FROM establishments GROUP BY code) e
  ON e.code = a.establishment_code
WHERE a.month = $month AND a.code = 'P' AND e.capacity > 0
GROUP BY a.establishment_code, a.day, e.capacity
HAVING count(DISTINCT a.resident_id) > e.capacity
ORDER BY 1, 2;
