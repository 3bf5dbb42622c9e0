-- The referential's rows set aside are those of the last load.
DELETE FROM quarantine WHERE scope = 'referentiel';
