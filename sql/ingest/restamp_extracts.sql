-- The extracts found unchanged by their SHA-256 under a new stamp (touched, the data folder copied), the frame
-- `restamped` (month, path, stamp): their new stamps, so that the next close does not hash them again.
UPDATE activity_files f
SET stamp = r.stamp
FROM restamped r
WHERE f.month = r.month AND f.path = r.path;
