-- recouvrement/balance_agee.csv (docs/contract.md) and its per-establishment twin, with names; TOTAL last.
SELECT a.code, CASE WHEN a.code = 'TOTAL' THEN 'Total' ELSE coalesce(n.name, '') END,
       a.non_echu, a.j1_30, a.j31_60, a.j61_90, a.plus_90, a.total
FROM aged_balance a
LEFT JOIN (SELECT 'payeur' AS scope, code, min(name) AS name FROM payers GROUP BY code
           UNION ALL SELECT 'payeur', 'U' || id, last_name || ' ' || first_name FROM residents
           UNION ALL SELECT 'etablissement', code, min(name) FROM establishments GROUP BY code) n
       ON n.code = a.code AND n.scope = a.scope
WHERE a.month = $month AND a.scope = $scope
ORDER BY a.code = 'TOTAL', a.code;
