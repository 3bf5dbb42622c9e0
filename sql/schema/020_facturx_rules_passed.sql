-- Schema 20: the Factur-X XML that passed the business rules (docs/rules.md "Invoices", "Validation before
-- issuing"). One row per XML (its SHA-256) and version of the rules (`rules`: the digest of the three
-- stylesheets, of the code that reads their reports and of Saxon's version) that found no blocking failure in it,
-- with the warnings that applied. The same bytes under the same rules are not checked again: by the close after
-- its préparation, nor by the rendering after the control. Any change to the XML or to the rules checks anew.
CREATE TABLE facturx_rules_passed (
    sha256      VARCHAR   NOT NULL,
    rules       VARCHAR   NOT NULL,
    number      VARCHAR   NOT NULL,  -- the document's number in the XML (a draft's: the one it would be issued with)
    month       VARCHAR   NOT NULL,  -- the service month of the close that drafted it
    warnings    VARCHAR[] NOT NULL,  -- the rules flagged warning that apply to it
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (sha256, rules)
);
