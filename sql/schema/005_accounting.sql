-- Schema 5: accounting. The entries of each month's file (FEC layout), the exports that lock a month,
-- and the unlocks the accountant asked for.

-- Every entry line given to accounting, by the month whose file carries it. An item (document, bank line)
-- is entered once; a late one is entered in the first open month, its piece date keeping its own date.
CREATE TABLE entries (
    export_month  VARCHAR NOT NULL,
    journal       VARCHAR NOT NULL,
    journal_label VARCHAR NOT NULL,
    entry_num     VARCHAR NOT NULL,
    line_no       INTEGER NOT NULL,       -- order in the file
    entry_date    DATE NOT NULL,
    account       VARCHAR NOT NULL,
    account_label VARCHAR NOT NULL,
    aux           VARCHAR,
    aux_label     VARCHAR,
    piece_ref     VARCHAR NOT NULL,
    piece_date    DATE NOT NULL,
    label         VARCHAR NOT NULL,
    debit         DECIMAL(18, 2) NOT NULL,
    credit        DECIMAL(18, 2) NOT NULL,
    letter        VARCHAR,
    letter_date   DATE,
    valid_date    DATE NOT NULL,
    kind          VARCHAR NOT NULL,       -- document, encaissement, affectation
    source        VARCHAR NOT NULL        -- document number or bank line id
);

-- A month whose file was exported is locked until the accountant unlocks it (with a reason).
CREATE TABLE accounting_exports (
    month       VARCHAR PRIMARY KEY,
    path        VARCHAR NOT NULL,
    sha256      VARCHAR NOT NULL,
    entries     INTEGER NOT NULL,
    lines       INTEGER NOT NULL,
    exported_at TIMESTAMP NOT NULL,
    locked      BOOLEAN NOT NULL
);

CREATE TABLE accounting_unlocks (
    month       VARCHAR NOT NULL,
    reason      VARCHAR NOT NULL,
    unlocked_at TIMESTAMP NOT NULL
);

-- The réciprocité comptable of each month's close: per payer, its 411 balance in the general ledger read
-- back and in Recettes on the ledger's last date, and what explains the gap.
CREATE TABLE reciprocity (
    month        VARCHAR NOT NULL,
    ledger_path  VARCHAR NOT NULL,
    on_date      DATE NOT NULL,
    aux          VARCHAR NOT NULL,
    name         VARCHAR,
    ledger       DECIMAL(18, 2) NOT NULL,
    ours         DECIMAL(18, 2) NOT NULL,
    explanations VARCHAR NOT NULL
);
