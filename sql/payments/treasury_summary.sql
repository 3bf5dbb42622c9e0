-- What a month's close says of treasury: direct debits presented (count, amount), refunds (count, amount) and
-- write-offs (count, amount) recorded by its closes.
SELECT (SELECT count(*) FROM collections WHERE run_month = $month),
       (SELECT coalesce(sum(amount), 0) FROM collections WHERE run_month = $month),
       (SELECT count(DISTINCT refund_id) FROM refunds WHERE run_month = $month),
       (SELECT coalesce(sum(amount), 0) FROM refunds WHERE run_month = $month),
       (SELECT count(*) FROM write_offs WHERE run_month = $month),
       (SELECT coalesce(sum(amount), 0) FROM write_offs WHERE run_month = $month);
