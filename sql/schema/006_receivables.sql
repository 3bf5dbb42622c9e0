-- Schema 6: receivables. The aged balance and DSO of each month's end, the phone log as last read, the
-- reminders sent (append-only), and what each close planned: calls, holds.

CREATE TABLE aged_balance (
    month     VARCHAR NOT NULL,
    scope     VARCHAR NOT NULL,          -- payeur, etablissement
    code      VARCHAR NOT NULL,          -- payer or establishment code; TOTAL
    non_echu  DECIMAL(18, 2) NOT NULL,
    j1_30     DECIMAL(18, 2) NOT NULL,
    j31_60    DECIMAL(18, 2) NOT NULL,
    j61_90    DECIMAL(18, 2) NOT NULL,
    plus_90   DECIMAL(18, 2) NOT NULL,
    total     DECIMAL(18, 2) NOT NULL
);

CREATE TABLE dso (
    month       VARCHAR NOT NULL,
    scope       VARCHAR NOT NULL,        -- total, or a payer type
    receivables DECIMAL(18, 2) NOT NULL,
    days        DECIMAL(8, 1),           -- null when nothing was billed
    PRIMARY KEY (month, scope)
);

-- relances/appels.csv as last read (the file is the reference).
CREATE TABLE call_log (
    day           DATE NOT NULL,
    target        VARCHAR NOT NULL,
    speaker       VARCHAR,
    result        VARCHAR NOT NULL,
    promise_date  DATE,
    promised      DECIMAL(18, 2),
    comment       VARCHAR,
    source_line   INTEGER NOT NULL
);

-- Every reminder level sent for an invoice (and 'contentieux' when it went to the director). Never updated.
CREATE TABLE reminders (
    seq        BIGINT NOT NULL,
    payer_code VARCHAR NOT NULL,
    number     VARCHAR NOT NULL,
    level      VARCHAR NOT NULL,
    day        DATE NOT NULL,
    channels   VARCHAR NOT NULL,
    amount     DECIMAL(18, 2) NOT NULL,  -- the invoice's open amount when it was sent
    run_month  VARCHAR NOT NULL,
    UNIQUE (number, level)
);

CREATE TABLE call_tasks (
    month      VARCHAR NOT NULL,
    rank       INTEGER NOT NULL,
    payer_code VARCHAR NOT NULL,
    numbers    VARCHAR NOT NULL,
    amount     DECIMAL(18, 2) NOT NULL,
    oldest_due DATE NOT NULL,
    reason     VARCHAR NOT NULL
);

CREATE TABLE dunning_holds (
    month      VARCHAR NOT NULL,
    number     VARCHAR NOT NULL,
    payer_code VARCHAR NOT NULL,
    reason     VARCHAR NOT NULL
);
