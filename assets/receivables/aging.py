"""Aged balance and DSO (docs/rules.md "Receivables and dunning"), as plain functions.

- Aged balance at a date: each invoice's open amount on that date in the bucket of its days past due —
  not yet due, 1–30, 31–60, 61–90, over 90 — per payer and in total. A payer's unallocated credit (a
  receipt beyond what it owed, a credit note after payment) lowers its "not yet due" column, so that the
  total is what the payer owes (its 411 balance).
- DSO by the countback method: the receivables at month end are walked back over the amounts billed in
  the months before, month by month, each fully absorbed month counting its days, the last one pro rata.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from assets.common.months import days_in

ZERO = Decimal("0.00")
BUCKETS = ("non_echu", "j1_30", "j31_60", "j61_90", "plus_90")


@dataclass(frozen=True)
class OpenItem:
    payer_code: str
    number: str  # an invoice number, or the bank line id of an unallocated credit
    due_date: dt.date
    open_amount: Decimal  # negative for a credit


@dataclass(frozen=True)
class AgedRow:
    payer_code: str
    buckets: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(BUCKETS, ZERO))

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)


def bucket(due_date: dt.date, on: dt.date) -> str:
    late = (on - due_date).days
    if late <= 0:
        return "non_echu"
    if late <= 30:
        return "j1_30"
    if late <= 60:
        return "j31_60"
    if late <= 90:
        return "j61_90"
    return "plus_90"


def aged_balance(items: list[OpenItem], on: dt.date) -> list[AgedRow]:
    """One row per payer with something open (credits in "not yet due"), by payer code."""
    rows: dict[str, AgedRow] = {}
    for item in items:
        if not item.open_amount:
            continue
        row = rows.setdefault(item.payer_code, AgedRow(item.payer_code))
        key = "non_echu" if item.open_amount < 0 else bucket(item.due_date, on)
        row.buckets[key] += item.open_amount
    return [rows[code] for code in sorted(rows) if rows[code].total or any(rows[code].buckets.values())]


def total_row(rows: list[AgedRow]) -> AgedRow:
    total = AgedRow("TOTAL")
    for row in rows:
        for key, amount in row.buckets.items():
            total.buckets[key] += amount
    return total


def dso_countback(receivables: Decimal, billed: list[tuple[str, Decimal]]) -> Decimal | None:
    """Days of sales outstanding: `receivables` at month end walked back over `billed`, the amounts billed
    per month from the latest backwards ((AAAA-MM, amount), the month itself first). None when nothing was
    billed; to one decimal, rounded half up."""
    if not billed or all(amount <= 0 for _, amount in billed):
        return None
    rest, days = receivables, Decimal(0)
    for month, amount in billed:
        if rest <= 0:
            break
        if amount <= 0:
            days += days_in(month)
            continue
        if rest >= amount:
            rest -= amount
            days += days_in(month)
        else:
            days += rest / amount * days_in(month)
            rest = Decimal(0)
    return days.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
