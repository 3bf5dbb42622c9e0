-- The write-off decisions applied so far, by invoice and decision date.
SELECT number, decided_on, amount FROM write_offs;
