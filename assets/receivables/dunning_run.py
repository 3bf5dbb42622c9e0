"""The dunning of the close on the warehouse: reminders appended, calls and holds of the month, and their files
under sorties/AAAA-MM/recouvrement/ (the pure policy: dunning.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl

from assets.common.outputs import write_csv
from assets.common.settings import Settings
from assets.common.warehouse import insert_frame, run_sql
from assets.payments.collections import pending_collections
from assets.payments.matching_run import receipts_after
from assets.receivables.call_log import load_calls
from assets.receivables.dunning import ZERO, Issued, OpenInvoice, plan_dunning


@dataclass(frozen=True)
class DunningSummary:
    reminders: int
    invoices: int
    calls: int
    holds: int
    contentieux: int
    rejected_calls: int
    skipped_for: str = ""  # a later month was closed: this month's dunning is left as it was


def run_dunning(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    entrees: Path,
    sorties: Path,
    month: str,
    on: dt.date,
    now: dt.datetime,
) -> DunningSummary:
    """Plan the day's dunning after matching, append the reminders (none twice), record the month's calls
    and holds, and write relances.csv, appels_a_passer.csv and contentieux.csv. A month closed again after
    a later one sends nothing: its reminders, calls and files stay as its own close left them."""
    later = run_sql(con, "receivables/later_closes.sql", {"month": month})[0][0]
    if later:
        # re-running an old month must not send today's reminders in its name: dunning is the latest close's
        return DunningSummary(0, 0, 0, 0, 0, 0, skipped_for=later)
    run_sql(con, "receivables/clear_plan.sql", {"month": month})
    calls, rejected = load_calls(con, entrees, month, now)
    invoices: list[OpenInvoice] = []
    owed_back: dict[str, Decimal] = {}
    for row in run_sql(con, "receivables/open_invoices.sql", {"on": on}):
        if row[5] > 0:
            invoices.append(OpenInvoice(*row))
        else:
            owed_back[row[1]] = owed_back.get(row[1], ZERO) - row[5]
    # planned against what earlier months sent: a close run again plans its month as it did (the calls its
    # reminders ask for included) and appends only what it did not send yet
    issued, sent_now = [], set()
    for number, level, day, run_month in run_sql(con, "receivables/issued.sql"):
        if run_month == month:
            sent_now.add((number, level))
        else:
            issued.append(Issued(number, level, day))
    con.execute("DROP TABLE dunning_invoices")
    queued = {p for (p,) in run_sql(con, "receivables/queued_payers.sql", {"on": on})}
    paid, payers = receipts_after(con, month, on)  # received since the month's end, matched next month
    queued |= payers
    credits = dict(run_sql(con, "receivables/credits.sql", {"on": on}))
    for payer, amount in owed_back.items():  # an invoice below 0 covers the payer's others, as a credit
        credits[payer] = credits.get(payer, ZERO) + amount
    collecting = pending_collections(con, month)
    plan = plan_dunning(invoices, settings.relances, calls, issued, queued, on, credits, paid, collecting)
    seq = run_sql(con, "receivables/next_seq.sql")[0][0]
    amounts = {i.number: (i.payer_code, i.open_amount) for i in invoices}
    channels = {(n, r.level): " ".join(r.channels) for r in plan.reminders for n in r.numbers}
    new = [
        (seq + k, amounts[x.number][0], x.number, x.level, x.day, channels.get((x.number, x.level), ""),
         amounts[x.number][1], month)
        for k, x in enumerate((x for x in plan.issued() if (x.number, x.level) not in sent_now), start=1)
    ]  # fmt: skip
    insert_frame(
        con,
        "reminders",
        pl.DataFrame(
            new,
            schema={
                "seq": pl.Int64,
                "payer_code": pl.String,
                "number": pl.String,
                "level": pl.String,
                "day": pl.Date,
                "channels": pl.String,
                "amount": pl.Decimal(18, 2),
                "run_month": pl.String,
            },
            orient="row",
        ),
    )
    insert_frame(
        con,
        "call_tasks",
        pl.DataFrame(
            [
                (month, k, c.payer_code, " ".join(c.numbers), c.amount, c.oldest_due, c.reason)
                for k, c in enumerate(plan.calls, start=1)
            ],
            schema={
                "month": pl.String,
                "rank": pl.Int32,
                "payer_code": pl.String,
                "numbers": pl.String,
                "amount": pl.Decimal(18, 2),
                "oldest_due": pl.Date,
                "reason": pl.String,
            },
            orient="row",
        ),
    )
    insert_frame(
        con,
        "dunning_holds",
        pl.DataFrame(
            [(month, h.number, h.payer_code, h.reason) for h in plan.holds],
            schema={"month": pl.String, "number": pl.String, "payer_code": pl.String, "reason": pl.String},
            orient="row",
        ),
    )
    folder = sorties / month / "recouvrement"
    write_csv(
        folder / "relances.csv",
        ["date", "code_financeur", "niveau", "canaux", "factures", "montant"],
        run_sql(con, "receivables/month_reminders.sql", {"month": month}),
    )
    write_csv(
        folder / "appels_a_passer.csv",
        [
            "rang",
            "code_financeur",
            "nom",
            "montant",
            "echeance_la_plus_ancienne",
            "factures",
            "motif",
            "appels_precedents",
        ],
        run_sql(con, "receivables/call_list.sql", {"month": month}),
    )
    write_csv(
        folder / "contentieux.csv",
        ["numero", "code_financeur", "montant_du", "jours_de_retard", "motif"],
        run_sql(con, "receivables/director_list.sql", {"month": month, "on": on}),
    )
    return DunningSummary(
        len({(r.payer_code, r.level) for r in plan.reminders}),
        sum(len(r.numbers) for r in plan.reminders),
        len(plan.calls),
        len(plan.holds),
        len(plan.contentieux),
        rejected,
    )
