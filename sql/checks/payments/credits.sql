-- Lines up to the month's end that settled the invoices they named and left the rest to their payer's credit:
-- a person places it (lettrage_manuel.csv); meanwhile the dunning holds what it covers (no name: ids, dates,
-- payer codes, amounts).
SELECT s.line_id AS id_ligne_bancaire, l.booking_date AS date, s.payer_code AS code_financeur,
       l.amount AS montant, s.unallocated AS non_affecte
FROM line_states s JOIN bank_lines l USING (line_id)
WHERE s.status = 'credit' AND s.unallocated > 0 AND l.booking_date <= $cutoff
ORDER BY l.booking_date, s.line_id;
