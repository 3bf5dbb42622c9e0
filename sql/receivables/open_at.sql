-- Every invoice's open amount at a month's end as the closes up to that month knew it: its amount, what its
-- credit notes issued by then took off it, the allocations recorded by then for lines dated by then, the write-offs
-- decided by then; and each known
-- payer's unallocated credit (lines dated by then). Only what is open (the aged balance leaves out what is
-- not: reading every settled invoice of the history back took most of the step at month 24).
SELECT * FROM (
    SELECT d.payer_code, d.establishment_code, d.number, d.due_date,
           (d.amount
            + coalesce((SELECT sum(k.amount) FROM document_corrections k JOIN documents c ON c.number = k.number
                        WHERE k.corrected = d.number AND c.issue_date <= $end), 0)
            - coalesce((SELECT sum(a.amount) FROM allocations a
                        WHERE a.number = d.number AND a.allocated_on <= $end AND a.run_month <= $month), 0)
            - coalesce((SELECT sum(w.amount) FROM write_offs w
                        WHERE w.number = d.number AND w.decided_on <= $end AND w.run_month <= $month), 0)
           )::DECIMAL(18, 2) AS open_amount
    FROM documents d
    WHERE d.type = 'facture' AND d.issue_date <= $end
    UNION ALL
    SELECT s.payer_code, '', s.line_id, l.booking_date, (-s.unallocated)::DECIMAL(18, 2)
    FROM line_states s JOIN bank_lines l USING (line_id)
    WHERE s.status = 'credit' AND s.unallocated <> 0 AND l.booking_date <= $end AND s.payer_code NOT LIKE '%,%'
) items
WHERE open_amount <> 0;
