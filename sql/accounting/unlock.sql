UPDATE accounting_exports SET locked = FALSE WHERE month = $month;
INSERT INTO accounting_unlocks VALUES ($month, $reason, $now);
