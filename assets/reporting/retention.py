"""Retention of the outputs (setting `conservation.annees`, default 10): at each close, the folders
sorties/AAAA-MM of months that ended more than that many years before the close's issue date are removed,
with everything in them (invoices, letters, lists naming residents), and the index of months is rewritten.

The warehouse keeps the books themselves (documents, allocations, entries): numbering, balances and the
audit chain depend on them. Ten years is how long accounting records and their supporting documents are
kept (Code de commerce, art. L123-22); an association may set a longer period, not a shorter one than the
law asks of it.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

from assets.reporting.controls_report import write_index

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def expired(month: str, as_of: dt.date, years: int) -> bool:
    """Whether the month ended more than `years` years before `as_of`."""
    year, number = int(month[:4]), int(month[5:7])
    first_after = dt.date(year + number // 12, number % 12 + 1, 1)  # the day after the month's end
    try:
        limit = first_after.replace(year=first_after.year + years)
    except ValueError:  # pragma: no cover - the 1st of a month exists in every year
        limit = first_after
    return limit <= as_of


def purge_outputs(sorties: Path, as_of: dt.date, years: int) -> list[str]:
    """Remove the expired month folders; the months removed, oldest first."""
    if not sorties.is_dir():
        return []
    removed = []
    for folder in sorted(p for p in sorties.iterdir() if p.is_dir() and _MONTH.match(p.name)):
        if expired(folder.name, as_of, years):
            shutil.rmtree(folder)
            removed.append(folder.name)
    if removed:
        write_index(sorties)
    return removed
