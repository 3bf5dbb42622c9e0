"""Activity against the budget (docs/rules.md "Monthly reports"): each establishment's days realised against
the days its rate was computed on (referentiel/previsions.csv), as plain functions over the month's valuation.

- The period compared runs from 1 January of the month's year (or from the association's first month in
  Recettes, when later) to the month's last day: `covered` days of the year's `year_days`.
- Forecast to date = forecast × covered ÷ year_days, rounded half up to the hundredth of a day; the month's
  forecast likewise with the month's days.
- Gap in days = days realised − forecast to date; in euros = gap × the rate of the establishment's main mode
  in force on the month's last day, rounded half up to the cent (none for an establishment funded by an
  allocation, which bills no days).
- Projection = days realised × year_days ÷ covered, rounded half up to the day: the year at the current pace.
- Under-activity: days realised below forecast to date × (1 − threshold ÷ 100).
- Occupancy to date = days realised ÷ (places × covered), against the target the financer set, if any.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import duckdb

from assets.common.months import days_in, month_end
from assets.common.warehouse import run_sql

CENT, HUNDREDTH, UNIT, RATE = Decimal("0.01"), Decimal("0.01"), Decimal("1"), Decimal("0.0001")


@dataclass(frozen=True)
class Activity:
    """One establishment's activity of the month and of the year to date against its forecast."""

    code: str
    name: str
    places: int
    dotation: bool
    month_days: int
    year_days: int  # realised from the period's start to the month's end
    held_days: int  # valued but held for a pending funding file, in the same period
    forecast: int | None  # the year's « journées prévisionnelles »
    target: Decimal | None  # target occupancy, %
    rate: Decimal | None
    covered: int  # days of the period compared
    in_year: int  # days of the year
    in_month: int

    @property
    def forecast_to_date(self) -> Decimal | None:
        return None if self.forecast is None else _q(Decimal(self.forecast * self.covered) / self.in_year, HUNDREDTH)

    @property
    def forecast_month(self) -> Decimal | None:
        return None if self.forecast is None else _q(Decimal(self.forecast * self.in_month) / self.in_year, HUNDREDTH)

    @property
    def gap_days(self) -> Decimal | None:
        expected = self.forecast_to_date
        return None if expected is None else self.year_days - expected

    @property
    def gap_month(self) -> Decimal | None:
        expected = self.forecast_month
        return None if expected is None else self.month_days - expected

    @property
    def gap_share(self) -> Decimal | None:
        """The gap as a share of the forecast to date (−0.0512 is 5,12 % under)."""
        expected, gap = self.forecast_to_date, self.gap_days
        return None if not expected or gap is None else _q(gap / expected, RATE)

    @property
    def gap_euros(self) -> Decimal | None:
        gap = self.gap_days
        return None if gap is None or self.rate is None else _q(gap * self.rate, CENT)

    @property
    def projection(self) -> Decimal:
        return _q(Decimal(self.year_days * self.in_year) / self.covered, UNIT)

    @property
    def occupancy(self) -> Decimal | None:
        """Occupancy to date (0.9545): none for an establishment without places or funded by an allocation."""
        if not self.places or self.dotation:
            return None
        return _q(Decimal(self.year_days) / (self.places * self.covered), RATE)

    def under(self, threshold: Decimal) -> bool:
        expected = self.forecast_to_date
        if not expected:
            return False
        return self.year_days < expected * (1 - threshold / 100)


def _q(value: Decimal, step: Decimal) -> Decimal:
    return value.quantize(step, rounding=ROUND_HALF_UP)


def period(month: str, first_month: str | None) -> tuple[str, int, int]:
    """(first month compared, days covered, days in the year) for the year of `month`."""
    year = month[:4]
    since = min(max(f"{year}-01", first_month or f"{year}-01"), month)
    start = dt.date.fromisoformat(f"{since}-01")
    end = month_end(month)
    return since, (end - start).days + 1, (dt.date(int(year), 12, 31) - dt.date(int(year), 1, 1)).days + 1


def activity(con: duckdb.DuckDBPyConnection, month: str) -> list[Activity]:
    """Every establishment's activity against its forecast for `month`, by code."""
    ((first_month,),) = run_sql(con, "reporting/first_valued_month.sql")
    since, covered, in_year = period(month, first_month)
    rows = run_sql(con, "reporting/activity_year.sql", {"month": month, "since": since, "year": int(month[:4])})
    return [
        Activity(code, name, places, dotation, month_days, year_days, held, forecast, target, rate, covered, in_year,
                 days_in(month))
        for code, name, places, dotation, month_days, year_days, held, forecast, target, rate in rows
    ]  # fmt: skip


def under_activity(rows: list[Activity], threshold: Decimal) -> list[Activity]:
    return [r for r in rows if r.under(threshold)]
