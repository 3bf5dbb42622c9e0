-- How documents name a resident: NOM Prénom.
SELECT id, last_name || ' ' || first_name FROM residents;
