-- Schema 17: the person's validation between the préparation and the émission (docs/rules.md "Validation before
-- issuing"). prefacturation: what the latest préparation of a month drafted per establishment, with the
-- fingerprint of it (documents, held amounts, extracts) and why the establishment cannot be validated, if so.
CREATE TABLE prefacturation (
    month              VARCHAR   NOT NULL,
    establishment_code VARCHAR   NOT NULL,
    fingerprint        VARCHAR   NOT NULL,
    documents          INTEGER   NOT NULL,
    amount             DECIMAL(18, 2) NOT NULL,
    blocked            VARCHAR,              -- the error-level controls that hold it, NULL when it can be validated
    prepared_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (month, establishment_code)
);

-- validations: appended; the latest per month and establishment counts. issued_at is set by the émission that
-- issued what it validated; a validation whose fingerprint no longer matches is never issued.
CREATE TABLE validations (
    month              VARCHAR   NOT NULL,
    establishment_code VARCHAR   NOT NULL,
    validated_by       VARCHAR   NOT NULL,
    validated_at       TIMESTAMP NOT NULL,
    issue_date         DATE      NOT NULL,
    confirmed          BOOLEAN   NOT NULL,   -- an unusual issue date confirmed explicitly
    fingerprint        VARCHAR   NOT NULL,
    issued_at          TIMESTAMP
);

-- Which establishments an error-level control holds (comma-separated codes), when it concerns some only.
ALTER TABLE control_results ADD COLUMN establishments VARCHAR;
