-- Issuing compared the pending pairs of the open months: done, in the transaction that records its documents.
DELETE FROM issue_pending WHERE month BETWEEN $first_month AND $last_month;
