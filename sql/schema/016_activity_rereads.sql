-- Schema 16: a close reads again the corrected extracts of the earlier open months (docs/rules.md B12).
-- activity_files.stamp: the size, modification and change times of the extract when it was read, so that a
-- later close tells an unchanged file without reading it (a file whose stamp differs is hashed, and read
-- again only if its SHA-256 differs). activity_rereads: which close read an earlier month's folder again,
-- and the extracts new, changed or removed that made it do so, for that close's controls to name them.
ALTER TABLE activity_files ADD COLUMN stamp VARCHAR;

CREATE TABLE activity_rereads (
    run_month VARCHAR   NOT NULL,   -- the month whose close read it
    month     VARCHAR   NOT NULL,   -- the earlier month read again
    paths     VARCHAR   NOT NULL,   -- the extracts new, changed or removed, separated by ', '
    read_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (month)             -- the latest reading of a month only
);
