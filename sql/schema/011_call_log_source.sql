-- Schema 11: what the rows of call_log were read from, one row replaced with them: the content's sha256 and
-- size, its encoding, its number of line ends and its first line. The cell appends to its phone log: a file
-- that starts with that content, up to a line end, is read from there on. There is no row when the content
-- had rejected rows or could not be continued; the next reading then reads the whole file. A warehouse
-- brought up to this version has none: its next close reads the log whole, as before.
CREATE TABLE call_log_source (
    sha256     VARCHAR NOT NULL,
    size_bytes BIGINT NOT NULL,
    encoding   VARCHAR NOT NULL,
    lines      INTEGER NOT NULL,
    header     VARCHAR NOT NULL
);
