-- For the month, per establishment: billed days and their amount in the valuation equal the net day
-- lines of the documents of that month of service (contribution and FJH lines apart). A resident a payer is
-- owed nothing for (his contribution takes all its amount, B9) and who is on none of its documents of the
-- month (a document of total 0 is not issued, B11: alone, or granted after the others were billed) is not
-- looked for in one. A held establishment (its pair still pending after the émission) is left out.
WITH owed_nothing AS (
    SELECT payer_code, establishment_code, resident_id FROM due_lines WHERE month = $month
    GROUP BY ALL HAVING sum(amount) = 0
    EXCEPT
    SELECT d.payer_code, d.establishment_code, l.resident_id
    FROM documents d JOIN document_lines l USING (number) WHERE d.service_month = $month
),
valued AS (
    SELECT establishment_code, count(*) AS days, sum(amount) AS amount
    FROM valued_days ANTI JOIN owed_nothing USING (payer_code, establishment_code, resident_id)
    WHERE month = $month AND state = 'facture'
    GROUP BY 1
),
issued AS (
    SELECT d.establishment_code, sum(l.quantity) AS days, sum(l.amount) AS amount
    FROM documents d JOIN document_lines l USING (number)
    WHERE d.service_month = $month
      AND l.category IN ('presence', 'hospitalisation', 'hospitalisation_au_dela', 'absence', 'absence_au_dela')
    GROUP BY 1
)
SELECT coalesce(v.establishment_code, i.establishment_code) AS establishment_code,
       coalesce(v.days, 0) AS valued_days, coalesce(i.days, 0) AS issued_days,
       coalesce(v.amount, 0) AS valued_amount, coalesce(i.amount, 0) AS issued_amount
FROM valued v
FULL JOIN issued i USING (establishment_code)
WHERE (coalesce(v.days, 0) <> coalesce(i.days, 0) OR coalesce(v.amount, 0) <> coalesce(i.amount, 0))
      AND coalesce(v.establishment_code, i.establishment_code) NOT IN (
          SELECT establishment_code FROM issue_pending WHERE month = $month
      )
ORDER BY 1;
