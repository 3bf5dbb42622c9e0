-- Lines up to the month's end waiting for a manual decision (no name: ids, dates, amounts, reasons).
SELECT s.line_id AS id_ligne_bancaire, l.booking_date AS date, l.amount AS montant, s.reason AS motif
FROM line_states s JOIN bank_lines l USING (line_id)
WHERE s.status = 'non_rapproche' AND l.booking_date <= $cutoff
ORDER BY l.booking_date, s.line_id;
