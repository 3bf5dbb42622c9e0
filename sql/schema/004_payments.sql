-- Schema 4: payments. Bank statements and lines as read (each line once, whatever the files), the
-- append-only allocations of receipts to invoices, the state of each line after matching, and the
-- letter codes of settled invoices.

-- Every statement of every bank file read (camt.053/054, CFONB 120); the manual receipts have none.
CREATE TABLE bank_statements (
    sha256          VARCHAR NOT NULL,      -- the file's content
    path            VARCHAR NOT NULL,      -- relative to entrees/
    rank            INTEGER NOT NULL,      -- the statement's rank in its file, from 1
    account         VARCHAR NOT NULL,
    currency        VARCHAR,
    opening_date    DATE,
    opening_balance DECIMAL(18, 2),
    closing_date    DATE,
    closing_balance DECIMAL(18, 2),
    movements       DECIMAL(18, 2) NOT NULL,
    line_count      INTEGER NOT NULL,
    has_balances    BOOLEAN NOT NULL,      -- false for a notification (camt.054) or an intraday report
    read_month      VARCHAR NOT NULL,      -- the month close that first read it
    PRIMARY KEY (sha256, rank)
);

-- The bank and receipt files present at each close, and what became of them (rebuilt per month).
CREATE TABLE bank_files (
    month         VARCHAR NOT NULL,
    path          VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,        -- banque, encaissements
    sha256        VARCHAR NOT NULL,
    status        VARCHAR NOT NULL,        -- lu (read at this close), deja_lu, doublon, illisible
    same_as       VARCHAR,
    error         VARCHAR,
    rows_read     INTEGER,
    rows_rejected INTEGER,
    PRIMARY KEY (month, path)
);

-- One row per bank line, by its stable id (docs/contract.md): a line seen again in another file, or in an
-- overlapping statement, is not added twice. Never updated.
CREATE TABLE bank_lines (
    line_id        VARCHAR PRIMARY KEY,
    source         VARCHAR NOT NULL,       -- banque, encaissements
    path           VARCHAR NOT NULL,       -- the first file it was read from
    record         INTEGER,                -- CFONB record, camt entry rank, CSV line
    account        VARCHAR NOT NULL,       -- IBAN or RIB of our account; MANUEL for manual receipts
    currency       VARCHAR NOT NULL,
    booking_date   DATE NOT NULL,
    value_date     DATE,
    amount         DECIMAL(18, 2) NOT NULL,  -- positive: money received
    label          VARCHAR,
    reference      VARCHAR,
    details        VARCHAR,                -- CFONB 05 records, qualifier: text
    entry_number   VARCHAR,
    interbank_code VARCHAR,
    reject_code    VARCHAR,
    end_to_end_id  VARCHAR,
    debtor_name    VARCHAR,
    debtor_iban    VARCHAR,
    mode           VARCHAR,                -- manual receipts: cheque, especes, virement, prelevement
    payer_hint     VARCHAR,                -- manual receipts: the payer column
    reversal       BOOLEAN NOT NULL,       -- a returned direct debit or a reversal
    read_month     VARCHAR NOT NULL,
    read_at        TIMESTAMP NOT NULL
);

-- Allocations of bank lines to invoices. Append-only: a return, or a changed manual decision, appends
-- negative rows; nothing is ever updated or deleted.
CREATE TABLE allocations (
    seq          BIGINT PRIMARY KEY,       -- order of recording
    line_id      VARCHAR NOT NULL,
    number       VARCHAR NOT NULL,         -- the invoice
    amount       DECIMAL(18, 2) NOT NULL,
    rule         VARCHAR NOT NULL,         -- reference, payeur_montant, manuel, rejet
    allocated_on DATE NOT NULL,            -- the bank line's date
    run_month    VARCHAR NOT NULL,         -- the month close that recorded it
    recorded_at  TIMESTAMP NOT NULL
);

-- What became of each bank line at the last matching (rebuilt each time, derived from the above).
CREATE TABLE line_states (
    line_id     VARCHAR PRIMARY KEY,
    status      VARCHAR NOT NULL,          -- rapproche, credit, non_rapproche, hors_recettes, rejet, rejete, debit,
                                           -- devise
    payer_code  VARCHAR,
    rule        VARCHAR,
    allocated   DECIMAL(18, 2) NOT NULL,
    unallocated DECIMAL(18, 2) NOT NULL,   -- for a payer known: its credit
    reason      VARCHAR,
    reverses    VARCHAR,                   -- a return: the line it reverses
    cutoff      DATE NOT NULL              -- the lines considered were dated up to this day
);

-- Letter codes: an invoice gets its payer's next code when its open amount reaches 0 ('lettre'), and
-- loses it when a return or a correction reopens it ('delettre'). Append-only; a code is never reused.
CREATE TABLE letters (
    payer_code VARCHAR NOT NULL,
    letter     VARCHAR NOT NULL,
    number     VARCHAR NOT NULL,
    event_date DATE NOT NULL,
    event      VARCHAR NOT NULL,           -- lettre, delettre
    run_month  VARCHAR NOT NULL,
    seq        BIGINT NOT NULL
);

-- Manual decisions as last read from relances/lettrage_manuel.csv (the file is the reference).
CREATE TABLE manual_decisions (
    line_id     VARCHAR NOT NULL,
    number      VARCHAR,
    amount      DECIMAL(18, 2),
    source_line INTEGER NOT NULL
);

-- The open amount of every invoice for the later stages (accounting, receivables): its amount, what
-- its credit notes took off, what receipts settled, and its current letter.
CREATE VIEW invoice_balances AS
WITH credited AS (
    SELECT original_number AS number, sum(amount) AS credited, max(issue_date) AS last_credit
    FROM documents WHERE type = 'avoir' AND original_number IS NOT NULL GROUP BY original_number
), paid AS (
    SELECT number, sum(amount) AS paid FROM allocations GROUP BY number
), lettered AS (
    SELECT number, arg_max(letter, seq) AS letter, arg_max(event, seq) AS event, arg_max(event_date, seq) AS on_date
    FROM letters GROUP BY number
)
SELECT d.number, d.payer_code, d.establishment_code, d.service_month, d.issue_date, d.due_date, d.amount,
       coalesce(c.credited, 0)::DECIMAL(18, 2) AS credited,
       coalesce(p.paid, 0)::DECIMAL(18, 2) AS paid,
       (d.amount + coalesce(c.credited, 0) - coalesce(p.paid, 0))::DECIMAL(18, 2) AS open_amount,
       c.last_credit,
       CASE WHEN l.event = 'lettre' THEN l.letter END AS letter,
       CASE WHEN l.event = 'lettre' THEN l.on_date END AS settled_on
FROM documents d
LEFT JOIN credited c USING (number)
LEFT JOIN paid p USING (number)
LEFT JOIN lettered l USING (number)
WHERE d.type = 'facture';
