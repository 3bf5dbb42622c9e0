UPDATE accounting_exports SET locked = false WHERE month = $month;
INSERT INTO accounting_unlocks VALUES ($month, $reason, $now);
