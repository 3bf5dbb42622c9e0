-- Schema 2: billing. The valuation of every activity day (derived, rebuilt at each close), and the
-- append-only ledger of issued documents (invoices and credit notes) with their lines.

-- One row per activity day of a month (docs/rules.md B2-B8): its stay, rate, payer, category, amount and state.
CREATE TABLE valued_days (
    month              VARCHAR NOT NULL,      -- month of service, AAAA-MM
    establishment_code VARCHAR NOT NULL,
    resident_id        VARCHAR NOT NULL,
    day                DATE    NOT NULL,
    code               VARCHAR NOT NULL,      -- P H C F
    stay_mode          VARCHAR,               -- null: no stay covers the day
    rate_mode          VARCHAR,
    daily_rate         DECIMAL(18, 2),
    payer_code         VARCHAR,
    payer_type         VARCHAR,
    decision_status    VARCHAR,               -- accordee, en_instruction, null (the resident pays)
    decision_ref       VARCHAR,
    commitment_number  VARCHAR,
    position           INTEGER,               -- H: day of the episode; C: C day of the year
    fjh                DECIMAL(18, 2),        -- the FJH in force that day
    category           VARCHAR,               -- presence, hospitalisation, hospitalisation_au_dela, absence, ...
    amount             DECIMAL(18, 2) NOT NULL,
    state              VARCHAR NOT NULL,      -- facture, en_attente, non_facture
    reason             VARCHAR,               -- why a day is not billed
    resident_fjh       DECIMAL(18, 2)         -- MAS: the FJH the resident owes for a present day (B8)
);

-- What is due per payer, establishment, resident, month of service, category and unit price (B7-B9, B11),
-- derived from valued_days with the same rebuild: the reference issuing compares the documents with.
CREATE TABLE due_lines (
    month              VARCHAR NOT NULL,
    payer_code         VARCHAR NOT NULL,
    payer_type         VARCHAR NOT NULL,
    establishment_code VARCHAR NOT NULL,
    resident_id        VARCHAR NOT NULL,
    category           VARCHAR NOT NULL,
    unit_price         DECIMAL(18, 2) NOT NULL,
    quantity           INTEGER NOT NULL,
    amount             DECIMAL(18, 2) NOT NULL
);

-- Issued documents. Never updated nor deleted: a correction is a new document (B12).
CREATE TABLE documents (
    number             VARCHAR PRIMARY KEY,   -- F2026-000001, A2026-000001
    series             VARCHAR NOT NULL,      -- F or A
    year               INTEGER NOT NULL,
    seq                INTEGER NOT NULL,
    type               VARCHAR NOT NULL,      -- facture, avoir
    nature             VARCHAR NOT NULL,      -- initiale, complementaire, avoir
    issue_date         DATE    NOT NULL,
    due_date           DATE    NOT NULL,
    service_month      VARCHAR NOT NULL,
    establishment_code VARCHAR NOT NULL,
    payer_code         VARCHAR NOT NULL,
    payer_type         VARCHAR NOT NULL,
    amount             DECIMAL(18, 2) NOT NULL,  -- negative for a credit note
    original_number    VARCHAR,               -- the invoice a credit note (or complementary invoice) corrects
    run_month          VARCHAR NOT NULL,      -- the month close that issued it
    -- what the document says of its recipient, as it was on the issue date
    payer_name         VARCHAR NOT NULL,
    payer_address      VARCHAR,
    payer_siret        VARCHAR,
    payer_service_code VARCHAR,
    payer_iban         VARCHAR,
    attention_of       VARCHAR,               -- a resident's guardian
    commitment_number  VARCHAR,
    issued_at          TIMESTAMP NOT NULL,
    UNIQUE (series, year, seq)
);

CREATE TABLE document_lines (
    number        VARCHAR NOT NULL,
    line_no       INTEGER NOT NULL,
    resident_id   VARCHAR NOT NULL,
    resident_name VARCHAR NOT NULL,
    category      VARCHAR NOT NULL,
    label         VARCHAR NOT NULL,
    quantity      INTEGER NOT NULL,          -- negative on a credit note
    unit_price    DECIMAL(18, 2) NOT NULL,
    amount        DECIMAL(18, 2) NOT NULL,   -- quantity x unit price
    PRIMARY KEY (number, line_no)
);

-- Rendered files of the documents (PDF, Factur-X), with their hash.
CREATE TABLE document_files (
    number      VARCHAR PRIMARY KEY,
    path        VARCHAR NOT NULL,
    sha256      VARCHAR NOT NULL,
    facturx     BOOLEAN NOT NULL,
    rendered_at TIMESTAMP NOT NULL
);
