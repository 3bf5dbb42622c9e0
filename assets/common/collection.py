"""When a SEPA direct debit collects an invoice (docs/rules.md "Receivables and dunning", direct debit): on the
settings' collection day (`sepa.jour_prelevement`, default the 10th) of the month after the invoice's issue, and
never less than the pre-notification delay (`sepa.prenotification_jours`, default 14 days) after the issue date,
since the invoice is the pre-notification that announces it. An invoice presented by a later close (a mandate
given after it, a collection returned) falls on that day of the second month after the month closed — the
first collection day after the invoices of that close are issued."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import duckdb

from assets.common.months import add_months, month_bounds, month_end
from assets.common.settings import Sepa, Settings
from assets.common.warehouse import run_sql


def _day_of(month: str, day: int) -> dt.date:
    return month_bounds(month)[0].replace(day=day)


def collection_date(issue_date: dt.date, closed_month: str, sepa: Sepa) -> dt.date:
    """The collection date of an invoice issued on `issue_date`, presented by the close of `closed_month`."""
    after_issue = _day_of(add_months(f"{issue_date:%Y-%m}", 1), sepa.jour_prelevement)
    after_close = _day_of(add_months(closed_month, 2), sepa.jour_prelevement)
    notice = issue_date + dt.timedelta(days=sepa.prenotification_jours)
    return max(after_issue, after_close, notice)


@dataclass(frozen=True)
class Presented:
    """A presentation recorded: its invoice, mandate and date, whether it is its invoice's latest one and
    whether the bank returned it."""

    number: str
    payer_code: str
    rum: str
    collection_date: dt.date
    latest: bool
    returned: bool


def suspended(history: list[Presented], settings: Settings) -> set[str]:
    """The mandates (RUM) whose collections came back the number of times that suspends them."""
    returns: dict[str, int] = defaultdict(int)
    for p in history:
        returns[p.rum] += p.returned
    return {rum for rum, n in returns.items() if n >= settings.sepa.rejets_avant_suspension}


def history(con: duckdb.DuckDBPyConnection, month: str) -> list[Presented]:
    """Every presentation recorded, the returns read by the end of `month` (common/presentations.sql)."""
    return [Presented(*row) for row in run_sql(con, "common/presentations.sql", {"cutoff": month_end(month)})]


@dataclass(frozen=True)
class Debit:
    """What an invoice says of the direct debit that will collect it."""

    day: dt.date
    rum: str
    iban_end: str  # the account's last four characters, as the invoice shows it


def announced_debits(
    con: duckdb.DuckDBPyConnection, settings: Settings, month: str, invoices: list[tuple[str, str, dt.date]]
) -> dict[str, Debit]:
    """The direct debit each invoice (number, payer, issue date) of the close of `month` announces: its payer
    has a mandate valid on the collection date and not suspended."""
    mandates = {
        payer: (rum, iban, signed_on, ends_on)
        for payer, iban, _, rum, signed_on, ends_on, _ in run_sql(con, "common/mandates.sql")
    }
    if not mandates:
        return {}
    stopped = suspended(history(con, month), settings)
    out = {}
    for number, payer, issued in invoices:
        if payer not in mandates:
            continue
        rum, iban, signed_on, ends_on = mandates[payer]
        day = collection_date(issued, month, settings.sepa)
        if rum not in stopped and signed_on <= day and (ends_on is None or ends_on >= day):
            out[number] = Debit(day, rum, iban.replace(" ", "")[-4:])
    return out
