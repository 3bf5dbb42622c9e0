"""Valuation of activity days (docs/rules.md B2-B9): every day of the open months gets its stay, rate,
payer, category, amount and state (billed, held, or not billed with a reason).

The rules themselves are SQL (sql/billing/valuation.sql); this module turns the settings (dated FJH,
absence tiers per payer type or code) into the small tables the query joins, and runs it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import polars as pl

from assets.common.months import add_months, month_bounds
from assets.common.settings import PAYER_TYPES, Settings
from assets.common.warehouse import query_frame, registered, run_sql, sql

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


def open_months(month: str, settings: Settings) -> tuple[str, str]:
    """The months a close of `month` recomputes: itself and the `regularisation_mois` before it (B12)."""
    return add_months(month, -settings.regularisation_mois), month


def month_days(first_month: str, last_month: str) -> tuple[dt.date, dt.date]:
    """First day of `first_month`, last day of `last_month`."""
    return month_bounds(first_month)[0], month_bounds(last_month)[1]


def settings_hash(settings: Settings) -> int:
    """A 64-bit digest of the settings the valuation reads (FJH and absence tiers)."""
    text = json.dumps(
        {
            "fjh": [(str(p.depuis), str(p.montant)) for p in settings.fjh],
            "absences": {k: v.model_dump() for k, v in sorted(settings.absences.items())},
        },
        sort_keys=True,
        default=str,
    )
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


@dataclass
class ValuationSummary:
    pairs: int  # (establishment, month) pairs valued again
    by_state: dict[str, tuple[int, Decimal]]  # the close's own month: state -> (days, amount)


def check_policy_codes(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Each payer code of `absences` is a payer of financeurs.csv: a code nobody has would leave the tiers it
    was written for unapplied, without a word (a payer type misspelt, a code mistyped)."""
    known = {code for (code,) in run_sql(con, "billing/payer_codes.sql")}
    unknown = sorted(k for k in settings.absences if k not in PAYER_TYPES and k not in known)
    if unknown:
        raise ValueError(
            "parametrage.yaml : clé(s) "
            + ", ".join(f"« absences.{k} »" for k in unknown)
            + " : ni un type de financeur ni un code de financeurs.csv"
        )


def store_valuation(
    con: duckdb.DuckDBPyConnection, settings: Settings, month: str, force: bool = False
) -> ValuationSummary:
    """Value the open months of a close of `month` (B12) inside the database: only the (establishment,
    month) pairs whose inputs changed since they were last valued (all of them when `force`); their
    valued days, due lines and fingerprints are replaced, the others kept as they are, and they are marked
    for issuing to compare (issue_pending)."""
    first_month, last_month = open_months(month, settings)
    first_day, last_day = month_days(first_month, last_month)
    params = {"first_month": first_month, "last_month": last_month}
    check_policy_codes(con, settings)
    with registered(con, fjh_periods=fjh_periods(settings), absence_tiers=absence_tiers(settings)):
        fingerprints = query_frame(
            con, "billing/fingerprints.sql", {**params, "settings_hash": settings_hash(settings)}
        )
        with registered(con, fingerprints=fingerprints):
            stale = query_frame(con, "billing/all_pairs.sql" if force else "billing/stale_pairs.sql", params)
            with registered(con, stale=stale):
                run_sql(con, "billing/clear_valuation.sql")
                con.execute(
                    "INSERT INTO valued_days BY NAME\n" + sql("billing/valuation.sql"),
                    {"first_day": first_day, "last_day": last_day},
                )
                run_sql(con, "billing/record_valued_months.sql")
                con.execute("INSERT INTO due_lines BY NAME\n" + sql("billing/due_lines.sql"))
                run_sql(con, "billing/record_fingerprints.sql")
                run_sql(con, "billing/mark_pending.sql")
    by_state = {
        state: (days, amount) for state, days, amount in run_sql(con, "billing/valuation_summary.sql", {"month": month})
    }
    return ValuationSummary(stale.height, by_state)
