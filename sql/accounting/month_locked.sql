SELECT coalesce((SELECT locked FROM accounting_exports WHERE month = $month), FALSE);
