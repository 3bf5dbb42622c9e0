"""Valuation of activity days (DOMAIN.md B2-B9): every day of the open months gets its stay, rate,
payer, category, amount and state (billed, held, or not billed with a reason).

The rules themselves are SQL (sql/billing/valuation.sql); this module turns the settings (dated FJH,
absence tiers per payer type or code) into the small tables the query joins, and runs it.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from assets.common.settings import Settings
from assets.common.warehouse import run_sql, sql
from assets.ingest.activity import month_bounds

FAR_FUTURE = dt.date(9999, 12, 31)
DAY_CODES = {"hospitalisation": "H", "convenance": "C"}


def fjh_periods(settings: Settings) -> pl.DataFrame:
    """The FJH in force per period: each `depuis` until the day before the next one."""
    rows = []
    for i, period in enumerate(settings.fjh):
        end = settings.fjh[i + 1].depuis - dt.timedelta(days=1) if i + 1 < len(settings.fjh) else FAR_FUTURE
        rows.append((period.depuis, end, period.montant))
    return pl.DataFrame(
        rows, schema={"start_date": pl.Date, "end_date": pl.Date, "amount": pl.Decimal(18, 2)}, orient="row"
    )


def absence_tiers(settings: Settings) -> pl.DataFrame:
    """One row per tier: (policy key, day code, first and last position, base)."""
    rows = []
    for key, policy in sorted(settings.absences.items()):
        for kind, code in DAY_CODES.items():
            start = 1
            for tier in getattr(policy, kind):
                rows.append((key, code, start, tier.jusqu_a, tier.base))
                start = (tier.jusqu_a or 0) + 1
    return pl.DataFrame(
        rows,
        schema={
            "policy_key": pl.String,
            "code": pl.String,
            "from_pos": pl.Int32,
            "to_pos": pl.Int32,
            "base": pl.String,
        },
        orient="row",
    )


def add_months(month: str, n: int) -> str:
    y, m = divmod(int(month[:4]) * 12 + int(month[5:7]) - 1 + n, 12)
    return f"{y:04d}-{m + 1:02d}"


def open_months(month: str, settings: Settings) -> tuple[str, str]:
    """The months a close of `month` recomputes: itself and the `regularisation_mois` before it (B12)."""
    return add_months(month, -settings.regularisation_mois), month


def month_days(first_month: str, last_month: str) -> tuple[dt.date, dt.date]:
    """First day of `first_month`, last day of `last_month`."""
    return month_bounds(first_month)[0], month_bounds(last_month)[1]


def _with_settings_tables(con, settings: Settings):
    con.register("fjh_periods", fjh_periods(settings))
    con.register("absence_tiers", absence_tiers(settings))


def _drop_settings_tables(con) -> None:
    con.unregister("fjh_periods")
    con.unregister("absence_tiers")


def store_valuation(con, settings: Settings, month: str) -> dict[str, tuple[int, object]]:
    """Replace the valuation and the due lines of the open months of a close of `month` (derived data,
    rebuilt whole, inside the database: no row goes through Python). Returns, for `month` itself,
    {state: (days, amount)}."""
    first_month, last_month = open_months(month, settings)
    first_day, last_day = month_days(first_month, last_month)
    params = {"first_month": first_month, "last_month": last_month}
    run_sql(con, "billing/clear_valuation.sql", params)
    _with_settings_tables(con, settings)
    try:
        con.execute(
            "INSERT INTO valued_days BY NAME\n" + sql("billing/valuation.sql"),
            {"first_day": first_day, "last_day": last_day},
        )
    finally:
        _drop_settings_tables(con)
    con.execute("INSERT INTO due_lines BY NAME\n" + sql("billing/due_lines.sql"), params)
    return {
        state: (days, amount) for state, days, amount in run_sql(con, "billing/valuation_summary.sql", {"month": month})
    }
