-- Schema 7: the rows that explain a failed control (JSON), kept with its outcome for the control report.
ALTER TABLE control_results ADD COLUMN examples VARCHAR;
