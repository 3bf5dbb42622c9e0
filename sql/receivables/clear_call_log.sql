-- The phone log is read whole: its rows replace call_log's.
DELETE FROM call_log;
