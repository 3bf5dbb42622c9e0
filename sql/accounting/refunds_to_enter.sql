-- Refunds decided up to the month's end that no file carries yet: one entry per refund, on the payer's account.
WITH names AS (
    SELECT code, min(name) AS name, coalesce(nullif(min(auxiliary_account), ''), code) AS aux FROM payers GROUP BY code
    UNION ALL
    SELECT 'U' || id, any_value(last_name || ' ' || first_name), 'U' || id FROM residents GROUP BY id
)
SELECT r.refund_id, any_value(r.decided_on), sum(r.amount), any_value(r.payer_code),
       coalesce(any_value(n.name), any_value(r.payer_code)), coalesce(any_value(n.aux), any_value(r.payer_code))
FROM refunds r LEFT JOIN names n ON n.code = r.payer_code
WHERE r.decided_on <= $end
  AND r.refund_id NOT IN (SELECT source FROM entries WHERE kind = 'remboursement')
GROUP BY r.refund_id
ORDER BY r.refund_id;
