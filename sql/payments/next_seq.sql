SELECT coalesce((SELECT max(seq) FROM allocations), 0), coalesce((SELECT max(seq) FROM letters), 0);
