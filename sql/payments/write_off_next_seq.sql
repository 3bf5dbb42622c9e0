SELECT coalesce(max(seq), 0) FROM write_offs;
