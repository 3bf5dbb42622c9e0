"""The combination of open invoices a receipt pays: the invoices whose open amounts add up to its amount, when
exactly one combination does."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

SUBSET_STATES = 50_000  # beyond this many partial sums, a combination search gives up (to the queue)


def unique_combination(numbers: list[str], open_amounts: dict[str, Decimal], target: Decimal) -> list[str] | None:
    """The invoices whose open amounts add up to `target`, when exactly one combination does (invoices of
    equal amount are interchangeable: the oldest are taken). [] when none does, None when several do or
    the search is too large to be sure."""
    groups: dict[Decimal, list[str]] = defaultdict(list)
    for n in numbers:  # numbers come oldest first
        groups[open_amounts[n]].append(n)
    goal = int(target * 100)
    items = sorted(((int(a * 100), ns) for a, ns in groups.items()), reverse=True)
    # partial sums -> (number of ways, capped at 2; one way as counts per group)
    ways: dict[int, tuple[int, tuple[int, ...]]] = {0: (1, ())}
    for cents, ns in items:
        grown: dict[int, tuple[int, tuple[int, ...]]] = {}
        for total, (count, how) in ways.items():
            for k in range(len(ns) + 1):
                s = total + k * cents
                if s > goal:
                    break
                if s in grown:
                    grown[s] = (min(2, grown[s][0] + count), grown[s][1])
                else:
                    grown[s] = (count, how + (k,))
        ways = grown
        if len(ways) > SUBSET_STATES:
            return None
    if goal not in ways:
        return []
    count, how = ways[goal]
    if count > 1:
        return None
    chosen = []
    for (_, ns), k in zip(items, how, strict=True):
        chosen.extend(ns[:k])
    return chosen
