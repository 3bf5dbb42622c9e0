-- Schema 21: the valued days counted per establishment and month of service, so that what reads the year to
-- date (activity against the budget, the year's rows, occupancy) reads a few rows per month instead of every
-- valued day of the year (3.2 million by October for a 12,000-resident association). Kept with valued_days:
-- the pairs valued again have theirs replaced in the same transaction (billing/record_valued_months.sql).
-- Three groupings, told apart by `grain` (DuckDB's grouping() of payer_code and rate_mode):
--   3: per establishment and month: days billed, days present (code P within a stay), days held;
--   1: per establishment, month and payer: days billed;
--   2: per establishment, month and rate mode: rows billed and rows present (what the main mode is chosen on).
-- Days are distinct (resident, day) pairs; a day belongs to its month, so months add up.
CREATE TABLE valued_months (
    month              VARCHAR NOT NULL,
    establishment_code VARCHAR NOT NULL,
    payer_code         VARCHAR,
    rate_mode          VARCHAR,
    grain              INTEGER NOT NULL,
    billed_days        BIGINT  NOT NULL,
    present_days       BIGINT  NOT NULL,
    held_days          BIGINT  NOT NULL,
    billed_rows        BIGINT  NOT NULL,
    present_rows       BIGINT  NOT NULL
);

-- the valued days already there, counted as billing/record_valued_months.sql counts the pairs it values
INSERT INTO valued_months
SELECT month, establishment_code, payer_code, rate_mode, grouping(payer_code, rate_mode) AS grain,
       count(DISTINCT resident_id || day) FILTER (WHERE state = 'facture') AS billed_days,
       count(DISTINCT resident_id || day) FILTER (WHERE code = 'P' AND stay_mode IS NOT NULL) AS present_days,
       count(DISTINCT resident_id || day) FILTER (WHERE state = 'en_attente') AS held_days,
       count(*) FILTER (WHERE state = 'facture') AS billed_rows,
       count(*) FILTER (WHERE code = 'P' AND stay_mode IS NOT NULL) AS present_rows
FROM valued_days
GROUP BY GROUPING SETS ((month, establishment_code), (month, establishment_code, payer_code),
                        (month, establishment_code, rate_mode));
