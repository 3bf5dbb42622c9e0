-- Schema 3: incremental valuation.
-- What each (establishment, month of service) was last valued from: a fingerprint of every input the
-- valuation reads for it. A close revalues only the pairs whose fingerprint changed.
CREATE TABLE valuation_state (
    month              VARCHAR NOT NULL,
    establishment_code VARCHAR NOT NULL,
    fingerprint        UBIGINT NOT NULL,
    valued_at          TIMESTAMP NOT NULL,
    PRIMARY KEY (month, establishment_code)
);
