-- Issuing compared the pending pairs of the open months of the establishments it issued: done, in the
-- transaction that records its documents. A held establishment's pairs stay pending for its later émission.
DELETE FROM issue_pending
WHERE month BETWEEN $first_month AND $last_month
      AND ($all_establishments OR list_contains($establishments::VARCHAR[], establishment_code));
