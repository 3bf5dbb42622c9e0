-- The extracts registered for the months a close may read again (docs/rules.md B12): the open months before
-- its own, [$since, $month), as each was last read.
SELECT month, path, sha256, stamp
FROM activity_files
WHERE month >= $since AND month < $month
ORDER BY month, path;
