-- What the closes of a month issued: invoices and credit notes, their count and total.
SELECT count(*) FILTER (WHERE type = 'facture'), coalesce(sum(amount) FILTER (WHERE type = 'facture'), 0),
       count(*) FILTER (WHERE type = 'avoir'), coalesce(sum(amount) FILTER (WHERE type = 'avoir'), 0),
       count(*) FILTER (WHERE nature = 'complementaire')
FROM documents WHERE run_month = $month;
