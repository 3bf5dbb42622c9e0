-- Schema 18: money in and out to the end (docs/rules.md "Receivables and dunning"): the SEPA mandates as last
-- read, each presentation of an invoice to a direct debit, the write-offs the director decided, and the refunds
-- of payers' credits by credit transfer. The credits applied to open invoices are allocations (rule `credit`).

-- referentiel/mandats.csv as last read (the file is the reference; optional).
CREATE TABLE mandates (
    payer_code VARCHAR NOT NULL,
    iban       VARCHAR NOT NULL,
    bic        VARCHAR,
    rum        VARCHAR NOT NULL,           -- unique mandate reference
    signed_on  DATE    NOT NULL,
    ends_on    DATE,
    sequence   VARCHAR,                    -- FRST, RCUR; NULL: derived from the collections made
    src_line   INTEGER NOT NULL
);

-- Every presentation of an invoice to a direct debit (tresorerie/prelevements.xml of the close that recorded
-- it). Append-only: a returned collection is presented again by a later close, as a new row.
CREATE TABLE collections (
    seq             BIGINT PRIMARY KEY,
    number          VARCHAR        NOT NULL,  -- the invoice, also the transaction's end-to-end id
    payer_code      VARCHAR        NOT NULL,
    rum             VARCHAR        NOT NULL,
    signed_on       DATE           NOT NULL,  -- the mandate's signature date
    iban            VARCHAR        NOT NULL,
    bic             VARCHAR,
    amount          DECIMAL(18, 2) NOT NULL,
    collection_date DATE           NOT NULL,
    sequence        VARCHAR        NOT NULL,  -- FRST, RCUR
    run_month       VARCHAR        NOT NULL,
    recorded_at     TIMESTAMP      NOT NULL
);

-- Write-offs (admission en non-valeur) decided by the director, from relances/non_valeurs.csv: each decision
-- once, by invoice and decision date. Append-only.
CREATE TABLE write_offs (
    seq         BIGINT PRIMARY KEY,
    number      VARCHAR        NOT NULL,
    payer_code  VARCHAR        NOT NULL,
    amount      DECIMAL(18, 2) NOT NULL,
    decided_on  DATE           NOT NULL,
    reason      VARCHAR,
    run_month   VARCHAR        NOT NULL,
    recorded_at TIMESTAMP      NOT NULL,
    UNIQUE (number, decided_on)
);

-- Refunds of payers' credits by SEPA credit transfer (tresorerie/remboursements.xml): one row per bank line
-- whose credit a refund takes, several rows for one refund (refund_id) when the credit came from several lines.
-- `source`: 'delai' for a credit refunded because of its age, else the key of the decision of
-- relances/remboursements.csv it applies (never applied twice). Append-only.
CREATE TABLE refunds (
    seq            BIGINT PRIMARY KEY,
    refund_id      VARCHAR        NOT NULL,
    payer_code     VARCHAR        NOT NULL,
    line_id        VARCHAR        NOT NULL,
    amount         DECIMAL(18, 2) NOT NULL,
    decided_on     DATE           NOT NULL,  -- the month's end of the close that decided it: its entries' date
    execution_date DATE           NOT NULL,  -- the transfer's requested execution date
    iban           VARCHAR        NOT NULL,
    bic            VARCHAR,
    source         VARCHAR        NOT NULL,
    reason         VARCHAR        NOT NULL,
    run_month      VARCHAR        NOT NULL,
    recorded_at    TIMESTAMP      NOT NULL
);

-- Each payer's name and auxiliary account (financeurs.csv, and the residents as private payers), as the
-- entries and the SEPA files name them.
CREATE VIEW payer_labels AS
SELECT code, min(name) AS name, coalesce(nullif(min(auxiliary_account), ''), code) AS aux FROM payers GROUP BY code
UNION ALL
SELECT 'U' || id, any_value(last_name || ' ' || first_name), 'U' || id FROM residents GROUP BY id;

-- Each invoice's open amount now takes its write-offs off too.
CREATE OR REPLACE VIEW invoice_balances AS
WITH credited AS (
    SELECT k.corrected AS number, sum(k.amount) AS credited, max(c.issue_date) AS last_credit
    FROM document_corrections k JOIN documents c ON c.number = k.number
    GROUP BY k.corrected
), paid AS (
    SELECT number, sum(amount) AS paid FROM allocations GROUP BY number
), written AS (
    SELECT number, sum(amount) AS written_off, max(decided_on) AS last_write_off FROM write_offs GROUP BY number
), lettered AS (
    SELECT number, arg_max(letter, seq) AS letter, arg_max(event, seq) AS event, arg_max(event_date, seq) AS on_date
    FROM letters GROUP BY number
)
SELECT d.number, d.payer_code, d.establishment_code, d.service_month, d.issue_date, d.due_date, d.amount,
       coalesce(c.credited, 0)::DECIMAL(18, 2) AS credited,
       coalesce(p.paid, 0)::DECIMAL(18, 2) AS paid,
       (d.amount + coalesce(c.credited, 0) - coalesce(p.paid, 0) - coalesce(w.written_off, 0))::DECIMAL(18, 2)
           AS open_amount,
       c.last_credit,
       CASE WHEN l.event = 'lettre' THEN l.letter END AS letter,
       CASE WHEN l.event = 'lettre' THEN l.on_date END AS settled_on,
       coalesce(w.written_off, 0)::DECIMAL(18, 2) AS written_off,
       w.last_write_off
FROM documents d
LEFT JOIN credited c USING (number)
LEFT JOIN paid p USING (number)
LEFT JOIN written w USING (number)
LEFT JOIN lettered l USING (number)
WHERE d.type = 'facture';
