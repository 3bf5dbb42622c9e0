-- Schema 10: the (month, establishment) pairs whose due lines changed since issuing last compared them.
-- The valuation adds the pairs it values again; issuing compares due with issued for these pairs only, and
-- removes them in the transaction that records the documents. Nothing else changes what is due or what was
-- issued for a pair, so the pairs left out have no difference to issue. A warehouse brought up to this
-- version has every pair compared once.
CREATE TABLE issue_pending (
    month              VARCHAR NOT NULL,
    establishment_code VARCHAR NOT NULL,
    PRIMARY KEY (month, establishment_code)
);

INSERT INTO issue_pending
SELECT month, establishment_code FROM due_lines
UNION
SELECT service_month, establishment_code FROM documents;
