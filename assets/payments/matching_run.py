"""Running the matching engine on the warehouse, and writing the month's matching files.

`run_matching` reads the invoices with their open amounts, the bank lines dated up to the month's end whose
state can still change (matching_lines.sql) with their allocations, what the lines left out still tell
(accounts learnt, debits already returned), every letter event recorded, the manual decisions and the payer
directory; calls the pure `matching.match`; appends the new allocations and letter events (never changing a
recorded one) and replaces the state of the lines it considered. A second run with the same inputs appends
nothing. Leaving the settled lines out gives the same result as matching every line to date
(tests/payments/test_settled_lines.py), in a time that follows the lines still open rather than the history
(only the SQL that reads the invoices' balances still reads every allocation and letter).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl

from assets.common.audit import record_file
from assets.common.csvfile import Reject
from assets.common.months import month_end
from assets.common.outputs import write_csv
from assets.common.settings import Settings
from assets.common.warehouse import insert_frame, registered, run_sql
from assets.ingest.loading import quarantine_frame
from assets.payments.collections import pending_collections
from assets.payments.loading import DECISIONS
from assets.payments.matching import match
from assets.payments.matching_records import (
    Allocation,
    Credits,
    Decision,
    Invoice,
    Letter,
    Lettering,
    Line,
    Rejected,
    Settled,
)
from assets.payments.payer_directory import Directory, normal_iban, probable_payers
from assets.payments.references import references
from assets.payments.settlements import refunded_by_line


@dataclass(frozen=True)
class MatchingSummary:
    lines: int
    allocations: int
    allocated: Decimal
    settled: int
    reopened: int
    by_status: dict[str, tuple[int, Decimal]]
    rejected_decisions: int
    decisions_applied: int  # lines left out: their decision is applied as it stands


def directory_of(con: duckdb.DuckDBPyConnection) -> Directory:
    directory = Directory()
    for code, iban, name, guardian in run_sql(con, "payments/directory.sql"):
        directory.add(code, iban, name, guardian)
    return directory


def run_matching(
    con: duckdb.DuckDBPyConnection,
    month: str,
    decisions: list[Decision],
    now: dt.datetime,
    everything: bool = False,
    settings: Settings | None = None,
    reserved: dict[str, Decimal] | None = None,
    pending: frozenset[str] | None = None,
) -> MatchingSummary:
    """Matches the lines dated up to the month's end whose state can still change (`everything`: every
    line and invoice to date, which gives the same result, only slower), records what it appends. With
    `settings`, the payers' credits are applied too (rule `credit`, settings `credits.imputation`), but for
    what `reserved` keeps of them by payer (refunds the cell asked for), and never to the invoices `pending`
    (direct debits to come; read here when not given)."""
    cutoff = month_end(month)
    lines = [
        Line(line_id, day, amount, text, iban, name, e2e, reversal, hint, currency)
        for line_id, day, amount, text, iban, name, e2e, reversal, hint, currency in run_sql(
            con, "payments/matching_lines.sql", {"cutoff": cutoff, "everything": everything}
        )
    ]
    left_out = dict(run_sql(con, "payments/decisions_left_out.sql", {"cutoff": cutoff}))
    decisions = [d for d in decisions if d.line_id not in left_out]  # later: applied by the close of their month
    named = {n for x in lines for n in references(f"{x.text} {x.end_to_end_id}")} | {d.number for d in decisions}
    params = {"everything": everything, "named": sorted(named)}
    invoices = [Invoice(*row) for row in run_sql(con, "payments/invoices.sql", params)]
    past = [Allocation(*row) for row in run_sql(con, "payments/past_allocations.sql")]
    credits = credit_policy(con, settings, month, reserved or {}, pending) if settings is not None else None
    result = match(invoices, lines, past, decisions, directory_of(con), lettering(con), _settled(con, cutoff), credits)
    con.execute("DROP TABLE matching_lines")
    con.execute("DROP TABLE matching_invoices")
    seq, letter_seq = run_sql(con, "payments/next_seq.sql")[0]
    insert_frame(
        con,
        "allocations",
        pl.DataFrame(
            [
                (seq + i, a.line_id, a.number, a.amount, a.rule, a.date, month, now)
                for i, a in enumerate(result.allocations, start=1)
            ],
            schema={
                "seq": pl.Int64,
                "line_id": pl.String,
                "number": pl.String,
                "amount": pl.Decimal(18, 2),
                "rule": pl.String,
                "allocated_on": pl.Date,
                "run_month": pl.String,
                "recorded_at": pl.Datetime("us"),
            },
            orient="row",
        ),
    )
    insert_frame(
        con,
        "letters",
        pl.DataFrame(
            [
                (x.payer_code, x.letter, x.number, x.date, x.event, month, letter_seq + i)
                for i, x in enumerate(result.letters, start=1)
            ],
            schema={
                "payer_code": pl.String,
                "letter": pl.String,
                "number": pl.String,
                "event_date": pl.Date,
                "event": pl.String,
                "run_month": pl.String,
                "seq": pl.Int64,
            },
            orient="row",
        ),
    )
    states = pl.DataFrame(
        [
            (s.line_id, s.status, s.payer_code, s.rule, s.allocated, s.unallocated, s.reason, s.reverses, cutoff)
            for s in result.states.values()
        ],
        schema={
            "line_id": pl.String,
            "status": pl.String,
            "payer_code": pl.String,
            "rule": pl.String,
            "allocated": pl.Decimal(18, 2),
            "unallocated": pl.Decimal(18, 2),
            "reason": pl.String,
            "reverses": pl.String,
            "cutoff": pl.Date,
        },
        orient="row",
    )
    with registered(con, new_states=states):
        run_sql(con, "payments/replace_states.sql", {"cutoff": cutoff})
    rejects = [_reject(r) for r in result.rejected]
    insert_frame(con, "quarantine", quarantine_frame(rejects, "lettrage", month, now))
    by_status = {
        status: (n, total) for status, n, total in run_sql(con, "payments/month_summary.sql", {"cutoff": cutoff})
    }
    return MatchingSummary(
        lines=len(lines),
        allocations=len(result.allocations),
        allocated=sum((a.amount for a in result.allocations), Decimal("0.00")),
        settled=sum(1 for x in result.letters if x.event == "lettre"),
        reopened=sum(1 for x in result.letters if x.event == "delettre"),
        by_status=by_status,
        rejected_decisions=len(rejects),
        decisions_applied=sum(1 for later in left_out.values() if not later),
    )


def credit_policy(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    month: str,
    reserved: dict[str, Decimal],
    pending: frozenset[str] | None = None,
) -> Credits:
    """How the close of `month` applies credits: to the payers whose type `credits.imputation` turns on, never
    to an invoice a direct debit not collected yet will take whole, net of what refunds took."""
    off = {t for t, on in settings.credits.imputation.items() if not on}
    types = dict(run_sql(con, "payments/payer_types.sql"))
    return Credits(
        on=month_end(month),
        applies=lambda code: types.get(code, "usager" if code.startswith("U") else "autre") not in off,
        excluded=pending_collections(con, month) if pending is None else pending,
        refunded=refunded_by_line(con),
        reserved=reserved,
    )


def receipts_after(con: duckdb.DuckDBPyConnection, month: str, on: dt.date) -> tuple[set[str], set[str]]:
    """What the receipts dated after the month's end and by `on` that no close matched yet (the close of
    their own month will) pay, for the dunning of the month dated `on`: the invoices of ours they name, and
    the probable payers of those that name none."""
    params = {"cutoff": month_end(month), "on": on}
    lines = [Line(*row) for row in run_sql(con, "payments/lines_after_cutoff.sql", params)]
    if not lines:
        return set(), set()
    named = sorted({n for x in lines for n in references(f"{x.text} {x.end_to_end_id}")})
    invoice_payers = dict(run_sql(con, "payments/invoice_payers.sql", {"numbers": named}))
    account_payers: dict[str, set[str]] = defaultdict(set)
    ibans = sorted({normal_iban(x.iban) for x in lines if normal_iban(x.iban)})
    for iban, payer in run_sql(con, "payments/account_payers.sql", {"ibans": ibans}):
        account_payers[iban].add(payer)
    directory = directory_of(con)
    payers = set().union(*(probable_payers(x, directory, invoice_payers, account_payers) for x in lines))
    return set(invoice_payers), payers


def lettering(con: duckdb.DuckDBPyConnection) -> Lettering:
    """What the letter events tell of the invoices the matching reads (the temp table matching_invoices)."""
    return Lettering(
        {row[2]: Letter(*row) for row in run_sql(con, "payments/active_letters.sql")},
        dict(run_sql(con, "payments/used_letters.sql")),
    )


def _settled(con: duckdb.DuckDBPyConnection, cutoff: dt.date) -> Settled:
    """What the lines left out of the run still tell the matching (settled_lines.sql)."""
    payers_of: dict[str, set[str]] = defaultdict(set)
    taken = set()
    for kind, value, payer in run_sql(con, "payments/settled_lines.sql", {"cutoff": cutoff}):
        if kind == "taken":
            taken.add(value)
        elif normal_iban(value):
            payers_of[normal_iban(value)].add(payer)
    return Settled(frozenset(taken), {iban: frozenset(p) for iban, p in payers_of.items()})


def _reject(r: Rejected) -> Reject:
    return Reject(DECISIONS, r.source_line, r.column, r.value, r.reason)


QUEUE_HEADER = [
    "id_ligne_bancaire",
    "date",
    "montant",
    "compte",
    "libelle",
    "nom_emetteur",
    "iban_emetteur",
    "payeur_probable",
    "motif",
]
ALLOCATION_HEADER = [
    "id_ligne_bancaire",
    "date",
    "montant",
    "numero_facture",
    "montant_affecte",
    "regle",
    "code_financeur",
    "lettre",
    "date_lettrage",
]


def write_matching_files(con: duckdb.DuckDBPyConnection, sorties: Path, month: str) -> dict[str, int]:
    """sorties/AAAA-MM/lettrage/rapprochements.csv (the allocations recorded by the month's closes) and
    non_rapproches.csv (the lines up to the month's end waiting for a decision)."""
    folder = sorties / month / "lettrage"
    allocations = run_sql(con, "payments/month_allocations.sql", {"month": month})
    write_csv(folder / "rapprochements.csv", ALLOCATION_HEADER, allocations)
    record_file(con, sorties, folder / "rapprochements.csv")
    queue = run_sql(con, "payments/queue.sql", {"cutoff": month_end(month)})
    write_csv(folder / "non_rapproches.csv", QUEUE_HEADER, queue)
    return {"rapprochements": len(allocations), "non_rapproches": len(queue)}
