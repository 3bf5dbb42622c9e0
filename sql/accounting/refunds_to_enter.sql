-- Refunds decided up to the month's end that no file carries yet: one entry per refund, on the payer's account.
SELECT r.refund_id, any_value(r.decided_on), sum(r.amount), any_value(r.payer_code),
       coalesce(any_value(n.name), any_value(r.payer_code)), coalesce(any_value(n.aux), any_value(r.payer_code))
FROM refunds r LEFT JOIN payer_labels n ON n.code = r.payer_code
WHERE r.decided_on <= $end
  AND r.refund_id NOT IN (SELECT source FROM entries WHERE kind = 'remboursement')
GROUP BY r.refund_id
ORDER BY r.refund_id;
