-- docs/rules.md B3: billed days of the open months with no rate covering them.
SELECT month, establishment_code, resident_id, day, rate_mode
FROM valued_days
WHERE reason = 'sans_tarif' AND month BETWEEN $first_month AND $last_month
ORDER BY month, establishment_code, resident_id, day;
