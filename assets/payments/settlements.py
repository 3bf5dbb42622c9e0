"""What settles the sub-ledger besides a receipt (docs/rules.md "Receivables and dunning"): the write-offs the
director decides, and the refunds of the payers' credits. Both read a decision file of entrees/relances/ whose
content is the reference (each close reads it as it is; a decision is applied once, never twice) and append to
their table; the accounting stage enters them, the receivables stage no longer chases what they settled.

- **Write-offs** (`relances/non_valeurs.csv`: invoice, amount, decision date, reason): applied by the close of
  the month the decision is dated in (or a later one), before the matching, so that the invoice brought to 0 gets
  its letter from the matching like an invoice its credit notes settled. Never above the invoice's open amount;
  a decision on a paid invoice, on an unknown one, or applied already with another amount is refused and named
  (file, line, column, reason), the others applied.
- **Refunds**: a row of `relances/remboursements.csv` (payer, amount, reason) refunds that amount now, taken
  from the payer's oldest credits first: read before the matching, what it asks is kept from the credits the
  matching applies to open invoices (the cell's decision comes first). After the matching has applied what it
  could, each payer's credit older than `credits.remboursement_jours` (counted from the day it became a
  credit: the bank line's date, or the day a credit note freed it) is refunded whole. To the IBAN of the
  payer's mandate, else of the referential; a payer without one is not refunded (control
  `remboursements_impossibles`). Dated on the month's end (the entries' date, so that the payer's account and
  the sub-ledger agree on that day), executed on the first working day after it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import duckdb
import polars as pl

from assets.common.csvfile import Reject
from assets.common.fields import BadValue, identifier_key, parse_amount, parse_date
from assets.common.months import month_end
from assets.common.settings import Settings
from assets.common.warehouse import insert_frame, run_sql
from assets.ingest.loading import payer_codes
from assets.ingest.optional_file import OptionalFile, finish, read_optional
from assets.payments.references import references

T = TypeVar("T")
WRITE_OFFS = "relances/non_valeurs.csv"
REFUNDS = "relances/remboursements.csv"
SCOPE = "tresorerie"
ZERO = Decimal("0.00")


@dataclass
class SettlementSummary:
    write_offs: int = 0
    written_off: Decimal = ZERO
    refunds: int = 0
    refunded: Decimal = ZERO
    rejected: int = 0
    without_iban: list[str] = field(default_factory=list)  # payers whose credit could not be refunded


def apply_write_offs(con: duckdb.DuckDBPyConnection, entrees: Path, month: str, now: dt.datetime) -> SettlementSummary:
    """Reads relances/non_valeurs.csv and records the decisions dated by the month's end not applied yet."""
    summary = SettlementSummary()
    read = read_optional(con, entrees, WRITE_OFFS, {"numero_facture", "montant", "date_decision"},
                         "relances", SCOPE, month, now)  # fmt: skip
    if read is None or read.rows is None:
        if read is not None:
            finish(con, read, 0)
            summary.rejected = len(read.rejects)
        return summary
    cutoff = month_end(month)
    decisions = []
    for line, cells in read.rows:
        try:
            found = references(cells.get("numero_facture", ""))
            if len(found) != 1:
                raise _Bad("numero_facture", "un numéro de facture attendu (F2026-000123)")
            amount = _field("montant", cells, parse_amount)
            if amount <= 0:
                raise _Bad("montant", "montant strictement positif attendu")
            day = _field("date_decision", cells, parse_date)
        except _Bad as exc:
            read.rejects.append(Reject(read.path, line, exc.column, cells.get(exc.column, "")[:200], exc.reason))
            continue
        decisions.append((day, line, found[0], amount, cells.get("motif", "").strip()[:200]))
    numbers = sorted({d[2] for d in decisions})
    balances = {n: (payer, open_) for n, payer, open_ in run_sql(con, "payments/write_off_invoices.sql",
                                                                 {"numbers": numbers})}  # fmt: skip
    applied = {(n, day): amount for n, day, amount in run_sql(con, "payments/write_offs_recorded.sql")}
    seq = run_sql(con, "payments/write_off_next_seq.sql")[0][0]
    rows = []
    for day, line, number, amount, reason in sorted(decisions):
        if (number, day) in applied:
            if applied[(number, day)] != amount:
                why = f"décision du {day:%d/%m/%Y} déjà appliquée pour {applied[(number, day)]} €"
                read.rejects.append(Reject(read.path, line, "montant", str(amount), why))
            continue
        if day > cutoff:
            continue  # the close of its own month applies it
        if number not in balances:
            read.rejects.append(Reject(read.path, line, "numero_facture", number, "facture inconnue"))
            continue
        payer, open_amount = balances[number]
        if open_amount <= 0:
            read.rejects.append(Reject(read.path, line, "numero_facture", number, "facture soldée : rien à admettre"))
            continue
        if amount > open_amount:
            why = f"montant supérieur au reste dû ({open_amount} €)"
            read.rejects.append(Reject(read.path, line, "montant", str(amount), why))
            continue
        seq += 1
        rows.append((seq, number, payer, amount, day, reason, month, now))
        balances[number] = (payer, open_amount - amount)
        applied[(number, day)] = amount
        summary.write_offs += 1
        summary.written_off += amount
    insert_frame(
        con,
        "write_offs",
        pl.DataFrame(
            rows,
            schema={
                "seq": pl.Int64,
                "number": pl.String,
                "payer_code": pl.String,
                "amount": pl.Decimal(18, 2),
                "decided_on": pl.Date,
                "reason": pl.String,
                "run_month": pl.String,
                "recorded_at": pl.Datetime("us"),
            },
            orient="row",
        ),
    )
    finish(con, read, len(decisions))
    summary.rejected = len(read.rejects)
    return summary


class _Bad(Exception):
    def __init__(self, column: str, reason: str):
        self.column, self.reason = column, reason


def _field(column: str, cells: dict[str, str], parse: Callable[[str], T]) -> T:
    text = cells.get(column, "").strip()
    if not text:
        raise _Bad(column, "valeur obligatoire absente")
    try:
        return parse(text)
    except BadValue as exc:
        raise _Bad(column, str(exc)) from exc


def refunded_by_line(con: duckdb.DuckDBPyConnection) -> dict[str, Decimal]:
    """What refunds took of each bank line's credit so far (for the matching engine)."""
    return dict(run_sql(con, "payments/refunded_lines.sql"))


def execution_day(month: str) -> dt.date:
    """The first working day (Monday to Friday) after the month's end."""
    day = month_end(month) + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


@dataclass(frozen=True)
class _Credit:
    line_id: str
    payer_code: str
    amount: Decimal
    since: dt.date


@dataclass
class RefundRequests:
    """The rows of relances/remboursements.csv not applied yet, read before the matching: what they ask is
    kept from the credits it applies (the cell's decision comes first)."""

    read: OptionalFile | None
    rows: list[tuple[int, str, Decimal, str, str]] = field(default_factory=list)  # line, payer, amount, source, why

    def reserved(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(Decimal)
        for _, payer, amount, _, _ in self.rows:
            out[payer] += amount
        return dict(out)


def read_refund_requests(con: duckdb.DuckDBPyConnection, entrees: Path, month: str, now: dt.datetime) -> RefundRequests:
    """relances/remboursements.csv as it is now; a row applied by an earlier close (its source) is left out."""
    read = read_optional(con, entrees, REFUNDS, {"code_financeur", "montant"}, "relances", SCOPE, month, now)
    requests = RefundRequests(read)
    if read is None or read.rows is None:
        return requests
    done = {source for (source,) in run_sql(con, "payments/refund_sources.sql")}
    codes = payer_codes(con)
    seen: dict[str, int] = defaultdict(int)
    for line, cells in read.rows:
        try:
            payer = codes.get(identifier_key(cells.get("code_financeur", "")))
            if not payer:
                raise _Bad("code_financeur", "payeur inconnu")
            amount = _field("montant", cells, parse_amount)
            if amount <= 0:
                raise _Bad("montant", "montant strictement positif attendu")
        except _Bad as exc:
            read.rejects.append(Reject(read.path, line, exc.column, cells.get(exc.column, "")[:200], exc.reason))
            continue
        reason = cells.get("motif", "").strip()[:140]
        key = f"demande:{payer};{amount};{reason}"
        seen[key] += 1
        source = f"{key};{seen[key]}"  # the same request twice in the file: two refunds, each once
        if source not in done:
            requests.rows.append((line, payer, amount, source, reason or "remboursement demandé"))
    return requests


def apply_refunds(
    con: duckdb.DuckDBPyConnection, requests: RefundRequests, settings: Settings, month: str, now: dt.datetime
) -> SettlementSummary:
    """Refunds the credits the cell asks for, then those old enough (see the module docstring); a re-run
    refunds nothing more. Updates the lines' state (what is refunded is no longer a credit)."""
    summary = SettlementSummary()
    cutoff = month_end(month)
    credits: dict[str, list[_Credit]] = defaultdict(list)
    for line_id, payer, amount, since in run_sql(con, "payments/payer_credits.sql", {"cutoff": cutoff}):
        credits[payer].append(_Credit(line_id, payer, amount, since))
    wanted: list[tuple[str, Decimal, str, str]] = []  # payer, amount, source, reason
    asked: dict[str, Decimal] = defaultdict(Decimal)
    read = requests.read
    for line, payer, amount, source, reason in requests.rows:
        available = sum((c.amount for c in credits.get(payer, [])), ZERO) - asked[payer]
        if amount > available:
            why = f"crédit disponible du payeur : {available} €"
            if read is not None:
                read.rejects.append(Reject(read.path, line, "montant", str(amount), why))
            continue
        asked[payer] += amount
        wanted.append((payer, amount, source, reason))
    if read is not None:
        finish(con, read, len(read.rows or []) - len(read.rejects))
        summary.rejected = len(read.rejects)
    age = dt.timedelta(days=settings.credits.remboursement_jours)
    accounts = {payer: (iban, bic) for payer, iban, bic in run_sql(con, "payments/refund_accounts.sql")}
    taken: dict[str, Decimal] = defaultdict(Decimal)  # line -> refunded by this close
    rows = []
    seq, count = run_sql(con, "payments/refund_next_seq.sql", {"month": month})[0]

    def take(payer: str, amount: Decimal, source: str, reason: str) -> None:
        nonlocal seq, count
        if payer not in accounts:
            summary.without_iban.append(payer)
            return
        count += 1
        refund_id = f"RB-{month}-{count:04d}"
        rest = amount
        for c in sorted(credits[payer], key=lambda c: (c.since, c.line_id)):
            share = min(rest, c.amount - taken[c.line_id])
            if share <= 0:
                continue
            seq += 1
            taken[c.line_id] += share
            iban, bic = accounts[payer]
            rows.append((seq, refund_id, payer, c.line_id, share, cutoff, execution_day(month), iban, bic, source,
                         reason, month, now))  # fmt: skip
            rest -= share
            if rest == 0:
                break
        summary.refunds += 1
        summary.refunded += amount

    for payer, amount, source, reason in wanted:
        take(payer, amount, source, reason)
    for payer in sorted(credits):
        old = sum((c.amount - taken[c.line_id] for c in credits[payer] if cutoff - c.since > age), ZERO)
        if old > 0:
            take(payer, old, "delai", f"crédit de plus de {settings.credits.remboursement_jours} jours")
    insert_frame(
        con,
        "refunds",
        pl.DataFrame(
            rows,
            schema={
                "seq": pl.Int64,
                "refund_id": pl.String,
                "payer_code": pl.String,
                "line_id": pl.String,
                "amount": pl.Decimal(18, 2),
                "decided_on": pl.Date,
                "execution_date": pl.Date,
                "iban": pl.String,
                "bic": pl.String,
                "source": pl.String,
                "reason": pl.String,
                "run_month": pl.String,
                "recorded_at": pl.Datetime("us"),
            },
            orient="row",
        ),
    )
    if rows:
        run_sql(con, "payments/refunded_states.sql", {"now": now})
    return summary
