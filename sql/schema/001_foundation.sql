-- Schema 1: the file registry, the referential, the month's activity, quarantine and control results.
-- Names follow the vocabulary of docs/rules.md; money is DECIMAL(18,2); months are 'AAAA-MM' strings.

-- Every version of every input file ever read (docs/architecture.md, principle 2). One row per content and path:
-- the same content dropped under a second name is registered with status 'doublon' and read once.
CREATE TABLE input_files (
    sha256        VARCHAR   NOT NULL,
    path          VARCHAR   NOT NULL,   -- relative to entrees/
    kind          VARCHAR   NOT NULL,   -- referentiel, activite, ...
    month         VARCHAR,              -- AAAA-MM for month-bound inputs
    size_bytes    BIGINT    NOT NULL,
    status        VARCHAR   NOT NULL,   -- lu, illisible, doublon
    same_as       VARCHAR,              -- for a doublon: the path whose content it repeats
    encoding      VARCHAR,
    rows_read     INTEGER,
    rows_rejected INTEGER,
    error         VARCHAR,
    first_read_at TIMESTAMP NOT NULL,
    last_read_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (sha256, path)
);

-- The referential as last loaded. No key constraints: duplicates are stored so that the controls can
-- show them (they are error-level and block the month).
CREATE TABLE establishments (
    code VARCHAR NOT NULL, name VARCHAR NOT NULL, type VARCHAR NOT NULL, finess VARCHAR, siret VARCHAR,
    capacity INTEGER, address VARCHAR, billing VARCHAR NOT NULL, src_line INTEGER NOT NULL
);
CREATE TABLE payers (
    code VARCHAR NOT NULL, name VARCHAR NOT NULL, type VARCHAR NOT NULL, siret VARCHAR, service_code VARCHAR,
    address VARCHAR, iban VARCHAR, payment_delay_days INTEGER, auxiliary_account VARCHAR,
    src_line INTEGER NOT NULL
);
CREATE TABLE residents (
    id VARCHAR NOT NULL, last_name VARCHAR NOT NULL, first_name VARCHAR NOT NULL, birth_date DATE,
    address VARCHAR, iban VARCHAR, guardian VARCHAR, src_line INTEGER NOT NULL
);
CREATE TABLE stays (
    resident_id VARCHAR NOT NULL, establishment_code VARCHAR NOT NULL, entry_date DATE NOT NULL,
    exit_date DATE, mode VARCHAR NOT NULL, src_line INTEGER NOT NULL
);
CREATE TABLE funding_decisions (
    resident_id VARCHAR NOT NULL, payer_code VARCHAR NOT NULL, establishment_code VARCHAR NOT NULL,
    start_date DATE NOT NULL, end_date DATE, status VARCHAR NOT NULL, decision_ref VARCHAR,
    commitment_number VARCHAR, src_line INTEGER NOT NULL
);
CREATE TABLE rates (
    establishment_code VARCHAR NOT NULL, rate_mode VARCHAR NOT NULL, start_date DATE NOT NULL, end_date DATE,
    daily_rate DECIMAL(18, 2) NOT NULL, nature VARCHAR NOT NULL, src_line INTEGER NOT NULL
);
CREATE TABLE contributions (
    resident_id VARCHAR NOT NULL, start_date DATE NOT NULL, end_date DATE,
    monthly_amount DECIMAL(18, 2) NOT NULL, src_line INTEGER NOT NULL
);

-- The state of each of the seven referential files at the last load.
CREATE TABLE referential_files (
    file          VARCHAR PRIMARY KEY,  -- etablissements.csv, ...
    path          VARCHAR,
    sha256        VARCHAR,
    status        VARCHAR NOT NULL,     -- charge, inchange, illisible, absent
    error         VARCHAR,
    rows_read     INTEGER,
    rows_rejected INTEGER,
    loaded_at     TIMESTAMP NOT NULL
);

-- The activity extracts of each month, and what became of them.
CREATE TABLE activity_files (
    month         VARCHAR NOT NULL,
    path          VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    form          VARCHAR,              -- long, grille
    encoding      VARCHAR,
    status        VARCHAR NOT NULL,     -- lu, illisible, doublon
    same_as       VARCHAR,
    error         VARCHAR,
    rows_read     INTEGER,
    rows_rejected INTEGER,
    PRIMARY KEY (month, path)
);

-- One row per resident, establishment, day and code (docs/rules.md B1). `held` marks the rows of an
-- establishment whose extract has the same resident and day twice: they wait for a corrected extract.
CREATE TABLE activity_days (
    month              VARCHAR NOT NULL,
    establishment_code VARCHAR NOT NULL,
    resident_id        VARCHAR NOT NULL,
    day                DATE    NOT NULL,
    code               VARCHAR NOT NULL,
    source_path        VARCHAR NOT NULL,
    source_line        INTEGER NOT NULL,
    source_column      VARCHAR NOT NULL,
    held               BOOLEAN NOT NULL
);

-- Input rows set aside, with file, line, column and reason; `scope` is referentiel or activite, ...
CREATE TABLE quarantine (
    scope       VARCHAR NOT NULL,
    month       VARCHAR,
    path        VARCHAR NOT NULL,
    line        INTEGER,
    column_name VARCHAR,
    value       VARCHAR,
    reason      VARCHAR NOT NULL,
    kept        BOOLEAN NOT NULL,     -- true: the row was kept without the bad value
    recorded_at TIMESTAMP NOT NULL
);

-- The latest result of every control, per month ('*' for the referential's, which hold for all months).
CREATE TABLE control_results (
    month        VARCHAR NOT NULL,
    control      VARCHAR NOT NULL,
    stage        VARCHAR NOT NULL,
    severity     VARCHAR NOT NULL,    -- erreur, avertissement
    status       VARCHAR NOT NULL,    -- ok, echec
    value        VARCHAR,
    detail       VARCHAR,
    evaluated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (month, control)
);
