-- Schema 19: activity against the budget (docs/rules.md "Monthly reports"). referentiel/previsions.csv as last
-- read (optional; the file is the reference): per establishment and year, the days its rate was computed on
-- and, where the financer set one, a target occupancy rate in %.
CREATE TABLE forecasts (
    establishment_code VARCHAR       NOT NULL,
    year               INTEGER       NOT NULL,
    forecast_days      INTEGER       NOT NULL,  -- « journées prévisionnelles »
    target_occupancy   DECIMAL(5, 2),           -- %, NULL: none set
    src_line           INTEGER       NOT NULL
);
