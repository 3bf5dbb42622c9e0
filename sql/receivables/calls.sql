SELECT day, target, result, promise_date, promised FROM call_log ORDER BY day, source_line;
