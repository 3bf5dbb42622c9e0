-- The months whose close exported their entry file (a month is closed once its file is exported and locked;
-- an unlock for the accountant does not reopen it for the months after it), in order.
SELECT month FROM accounting_exports ORDER BY month;
