-- A load records the state of the seven files anew.
DELETE FROM referential_files;
