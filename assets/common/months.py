"""Month arithmetic, in one place. A month is written 'AAAA-MM' (the warehouse's and the folders' month);
`add_months` and `days_in` also take a date, for the demo and the benchmarks, which count months by their
first day."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import overload


def month_key(day: dt.date) -> str:
    """The month 'AAAA-MM' of a date."""
    return f"{day:%Y-%m}"


def month_start(month: str) -> dt.date:
    """The first day of 'AAAA-MM'."""
    return dt.date(int(month[:4]), int(month[5:7]), 1)


def month_end(month: str) -> dt.date:
    """The last day of 'AAAA-MM'."""
    year, number = int(month[:4]), int(month[5:7])
    return dt.date(year, number, calendar.monthrange(year, number)[1])


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """First and last day of 'AAAA-MM'."""
    return month_start(month), month_end(month)


def days_in(month: str | dt.date) -> int:
    """The number of days of 'AAAA-MM', or of the month of a date."""
    if isinstance(month, dt.date):
        return calendar.monthrange(month.year, month.month)[1]
    return calendar.monthrange(int(month[:4]), int(month[5:7]))[1]


@overload
def add_months(month: str, n: int) -> str: ...
@overload
def add_months(month: dt.date, n: int) -> dt.date: ...
def add_months(month: str | dt.date, n: int) -> str | dt.date:
    """'AAAA-MM' moved by `n` months (n < 0: earlier); given a date, the first day of the month `n` months
    after its own."""
    if isinstance(month, dt.date):
        year, number = divmod(month.year * 12 + month.month - 1 + n, 12)
        return dt.date(year, number + 1, 1)
    year, number = divmod(int(month[:4]) * 12 + int(month[5:7]) - 1 + n, 12)
    return f"{year:04d}-{number + 1:02d}"


def previous_month(month: str) -> str:
    """The month before 'AAAA-MM'."""
    return add_months(month, -1)
