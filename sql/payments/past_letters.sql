SELECT payer_code, letter, number, event_date, event FROM letters ORDER BY seq;
