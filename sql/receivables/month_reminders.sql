-- recouvrement/relances.csv: the reminders sent by the closes of a month, one row per payer and level.
SELECT r.day, r.payer_code, r.level, r.channels, string_agg(r.number, ' ' ORDER BY r.number),
       sum(r.amount)::DECIMAL(18, 2)
FROM reminders r WHERE r.run_month = $month AND r.level <> 'contentieux'
GROUP BY r.day, r.payer_code, r.level, r.channels
ORDER BY r.day, r.payer_code, r.level;
