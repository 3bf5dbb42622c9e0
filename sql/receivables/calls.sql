-- The calls of the phone log as call_log holds them, in the order of the log (a call's rank decides between
-- two calls of a day).
SELECT day, target, result, promise_date, promised FROM call_log ORDER BY source_line;
