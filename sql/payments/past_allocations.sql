SELECT line_id, number, amount, rule, allocated_on FROM allocations ORDER BY seq;
