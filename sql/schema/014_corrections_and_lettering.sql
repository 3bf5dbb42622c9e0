-- Schema 14: credit notes that correct several invoices, entry lines that know their invoice, and the letter
-- events each lettering file listed.

-- What each credit note takes off each invoice it corrects, per resident (docs/rules.md "Invoices": latest first, each
-- down to 0 at most). `derived`: a credit note issued before this table existed, which corrected the one invoice
-- its original_number names by the sum of its lines (its seal covers those already).
CREATE TABLE document_corrections (
    number      VARCHAR NOT NULL,          -- the credit note
    corrected   VARCHAR NOT NULL,          -- an invoice it corrects
    resident_id VARCHAR NOT NULL,
    amount      DECIMAL(18, 2) NOT NULL,   -- what it takes off that invoice for that resident (negative)
    derived     BOOLEAN NOT NULL DEFAULT FALSE
);

INSERT INTO document_corrections
SELECT c.number, c.original_number, l.resident_id, sum(l.amount), TRUE
FROM documents c JOIN document_lines l USING (number)
WHERE c.type = 'avoir' AND c.original_number IS NOT NULL
GROUP BY c.number, c.original_number, l.resident_id;

-- The open amount of every invoice for the later stages (accounting, receivables): its amount, what its
-- credit notes took off it, what receipts settled, and its current letter.
CREATE OR REPLACE VIEW invoice_balances AS
WITH credited AS (
    SELECT k.corrected AS number, sum(k.amount) AS credited, max(c.issue_date) AS last_credit
    FROM document_corrections k JOIN documents c ON c.number = k.number
    GROUP BY k.corrected
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

-- The invoice a client-account (411) line settles or bills: the invoice itself on its sales entry, each invoice
-- a credit note corrects, each invoice a receipt was allocated to; '' for a payer's unallocated credit. NULL on
-- the lines entered before this column existed.
ALTER TABLE entries ADD COLUMN invoice VARCHAR;

-- Every entry line with the invoice it concerns (`number`): its own column, else, on a line entered before it,
-- the document it enters (a credit note: the one invoice it corrected). The client-account lines of an invoice
-- are those whose account is the settings' comptes.clients.
CREATE VIEW entry_invoices AS
SELECT coalesce(e.invoice, k.corrected, CASE WHEN e.kind = 'document' THEN e.source END) AS number, e.*
FROM entries e
LEFT JOIN (SELECT number, any_value(corrected) AS corrected FROM document_corrections WHERE derived GROUP BY number) k
       ON e.invoice IS NULL AND e.kind = 'document' AND k.number = e.source;

-- The letter events (letters.seq) each month's lettering file took: `shown` when the file lists it with its
-- lines, not for a letter given and taken back before any file listed it; month '' for the events given before
-- the lettering files.
CREATE TABLE lettering_listed (
    month VARCHAR NOT NULL,
    seq   BIGINT NOT NULL,
    shown BOOLEAN NOT NULL
);

INSERT INTO lettering_listed SELECT '', seq, FALSE FROM letters;
