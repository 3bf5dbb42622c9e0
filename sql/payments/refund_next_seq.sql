-- The last refund row recorded, and how many refunds the closes of the month made (their ids run on).
SELECT coalesce(max(seq), 0), (SELECT count(DISTINCT refund_id) FROM refunds WHERE run_month = $month) FROM refunds;
