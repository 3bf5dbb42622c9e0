-- Allocations that break the rules of matching: a receipt allocated beyond its amount (or a return
-- beyond what it reverses), an invoice paid beyond its amount or below zero, an allocation to an
-- unknown invoice or line.
WITH per_line AS (
    SELECT line_id, sum(amount) AS allocated FROM allocations GROUP BY line_id
), per_invoice AS (
    SELECT number, sum(amount) AS paid FROM allocations GROUP BY number
)
SELECT 'ligne' AS objet, p.line_id AS cle, l.amount AS montant, p.allocated AS affecte,
       'affecté au-delà du montant de la ligne' AS probleme
FROM per_line p LEFT JOIN bank_lines l USING (line_id)
WHERE l.line_id IS NULL OR (l.amount >= 0 AND (p.allocated > l.amount OR p.allocated < 0))
   OR (l.amount < 0 AND (p.allocated < l.amount OR p.allocated > 0))
UNION ALL
SELECT 'facture', p.number, d.amount, p.paid, 'payée au-delà de son montant ou en négatif'
FROM per_invoice p LEFT JOIN documents d ON d.number = p.number AND d.type = 'facture'
WHERE d.number IS NULL OR p.paid > d.amount OR p.paid < 0
ORDER BY 1, 2;
