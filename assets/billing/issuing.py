"""Issuing (docs/rules.md B11, B12 and "Invoices"): compare what is due with what was issued, per payer,
establishment, resident and month of service, and turn the differences into numbered documents.

`plan_documents` and `allocate_numbers` are pure functions; `issue` runs them inside the caller's
transaction, so that a number is given in the same transaction that records its document.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from assets.billing.labels import category_rank, label
from assets.billing.valuation import open_months
from assets.common.months import month_end
from assets.common.settings import Settings
from assets.common.warehouse import insert_frame, query_frame, run_sql

if TYPE_CHECKING:
    from polars._typing import SchemaDict

ZERO = Decimal("0.00")
KEY = ["month", "payer_code", "payer_type", "establishment_code", "resident_id", "category", "unit_price"]


LATEST_ISSUE_DAYS = 60  # an issue date this many days after the month's end, or more, is asked to be confirmed


class IssueDateError(ValueError):
    """An issue date earlier than the last document of its series."""


def unusual_issue_date(month: str, issue_date: dt.date) -> str | None:
    """Why an issue date is unusual for the close of `month`, or None: before the month's end (services are
    billed once given), or more than LATEST_ISSUE_DAYS days after it (a forgotten date: today, on an old
    month). Documents once numbered cannot be taken back, so such a date is issued only when confirmed."""
    end = month_end(month)
    if issue_date < end:
        return f"date d'émission {issue_date:%d/%m/%Y} antérieure à la fin du mois {month} ({end:%d/%m/%Y})"
    if (issue_date - end).days > LATEST_ISSUE_DAYS:
        return (
            f"date d'émission {issue_date:%d/%m/%Y} plus de {LATEST_ISSUE_DAYS} jours après la fin du mois {month} "
            f"({end:%d/%m/%Y})"
        )
    return None


@dataclass(frozen=True)
class Line:
    resident_id: str
    category: str
    quantity: int
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Correction:
    """What a credit note takes off one invoice it corrects, for one resident (negative)."""

    invoice: str
    resident_id: str
    amount: Decimal


@dataclass
class PlannedDocument:
    type: str  # facture, avoir
    nature: str  # initiale, complementaire, avoir
    service_month: str
    payer_code: str
    payer_type: str
    establishment_code: str
    original_number: str | None  # a credit note: the invoices it corrects, latest first, separated by ","
    lines: list[Line] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def series(self) -> str:
        return "F" if self.type == "facture" else "A"


def plan_documents(
    diff: pl.DataFrame, invoices: pl.DataFrame, issued_keys: set[tuple[str, str, str]]
) -> list[PlannedDocument]:
    """Documents for the differences: per payer, establishment and month of service, one invoice for the
    residents owed more (the first billing, or a complementary invoice) and, for the residents owed less, credit
    notes: what a resident is owed less is taken off his invoices latest first, each down to 0 at most (what it
    still bills him), and one credit note is issued per set of invoices so corrected, naming them all."""
    by_resident: dict[tuple, list[Line]] = defaultdict(list)
    for month, payer, payer_type, etab, resident, category, price, qty, amount in diff.select(
        KEY + ["quantity", "amount"]
    ).iter_rows():
        by_resident[(month, payer, payer_type, etab, resident)].append(Line(resident, category, qty, price, amount))
    # (month, payer, etab, resident) -> (year, seq, number, what the invoice still bills him)
    billing: dict[tuple, list[tuple]] = defaultdict(list)
    first: dict[tuple, tuple] = {}  # (month, payer, etab) -> (year, seq, number)
    for month, payer, etab, resident, number, _, seq, year, billed in invoices.iter_rows():
        k = (month, payer, etab)
        billing[(*k, resident)].append((year, seq, number, billed))
        first[k] = min(first.get(k, (9999, 10**9, "")), (year, seq, number))
    invoices_out: dict[tuple, PlannedDocument] = {}
    credits_out: dict[tuple, PlannedDocument] = {}
    even: list[tuple[tuple, list[Line]]] = []
    for (month, payer, payer_type, etab, resident), lines in sorted(by_resident.items()):
        total = sum((line.amount for line in lines), ZERO)
        k = (month, payer, etab)
        if total == 0:
            even.append((k, lines))
            continue
        if total > 0:
            doc = invoices_out.get(k)
            if doc is None:
                initial = k not in issued_keys
                doc = invoices_out[k] = PlannedDocument(
                    "facture",
                    "initiale" if initial else "complementaire",
                    month,
                    payer,
                    payer_type,
                    etab,
                    None if initial else first[k][2],
                )
        else:
            taken = corrections(billing[(*k, resident)], -total)
            names = tuple(number for number, _ in taken)
            doc = credits_out.get((*k, names))
            if doc is None:
                doc = credits_out[(*k, names)] = PlannedDocument(
                    "avoir", "avoir", month, payer, payer_type, etab, ",".join(names)
                )
            doc.corrections.extend(Correction(number, resident, -amount) for number, amount in taken)
        doc.lines.extend(sorted(lines, key=lambda x: (category_rank(x.category), -x.unit_price)))
    # a resident who owes nothing either way (his contribution takes all the département's amount, B9; or his
    # days only moved between categories) has his lines on the invoice of the others when there is one (B11:
    # a line per resident and category); alone, they make no document (a document whose total is 0)
    for k, lines in even:
        if k in invoices_out:
            doc = invoices_out[k]
            doc.lines.extend(sorted(lines, key=lambda x: (category_rank(x.category), -x.unit_price)))
            doc.lines.sort(key=lambda x: x.resident_id)  # stable: each resident's lines keep their order
    return list(invoices_out.values()) + list(credits_out.values())


def corrections(invoices: list[tuple], amount: Decimal) -> list[tuple[str, Decimal]]:
    """How a credit of `amount` (positive) for one resident is taken off his invoices, given as (year, seq,
    number, what it still bills him): latest first, each down to 0 at most. Returns (number, amount taken).
    What no invoice still bills (only where an earlier credit note left an invoice below 0, before credit notes
    were shared out) is taken off the latest invoice."""
    if not invoices:
        raise ValueError("un avoir sans facture à corriger : aucune facture de cet usager pour ce mois")
    latest_first = sorted(invoices, reverse=True)
    taken: dict[str, Decimal] = {}
    rest = amount
    for _, _, number, billed in latest_first:
        if rest <= 0:
            break
        part = min(rest, billed)
        if part > 0:
            taken[number] = part
            rest -= part
    if rest > 0:
        number = latest_first[0][2]
        taken[number] = taken.get(number, ZERO) + rest
    return [(number, taken[number]) for _, _, number, _ in latest_first if number in taken]


def allocate_numbers(
    docs: list[PlannedDocument], issue_date: dt.date, last: dict[str, tuple[int, dt.date]]
) -> list[tuple[PlannedDocument, str, int]]:
    """Continuous numbers per series and calendar year: F2026-000001, A2026-000001.

    `last` gives, per series of the issue date's year, the last sequence number and its issue date; a
    number is never given with an issue date earlier than the last one of its series.
    """
    out = []
    year = issue_date.year
    for series in ("F", "A"):
        seq, last_date = last.get(series, (0, None))
        if last_date and issue_date < last_date and any(d.series == series for d in docs):
            raise IssueDateError(
                f"date d'émission {issue_date:%d/%m/%Y} antérieure à celle du dernier document de la série "
                f"{series}{year} ({last_date:%d/%m/%Y}) : la numérotation doit rester chronologique"
            )
        ordered = sorted(
            (d for d in docs if d.series == series),
            key=lambda d: (d.service_month, d.payer_code, d.establishment_code, d.original_number or ""),
        )
        for doc in ordered:
            seq += 1
            out.append((doc, f"{series}{year}-{seq:06d}", seq))
    return out


@dataclass
class IssueSummary:
    documents: int = 0
    invoices: int = 0
    credit_notes: int = 0
    invoiced: Decimal = ZERO
    credited: Decimal = ZERO
    numbers: list[str] = field(default_factory=list)


@dataclass
class Draft:
    """What a close would issue: the documents' rows (numbered, in `documents`' columns) and their lines, before
    anything is written."""

    documents: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    corrections: list[dict] = field(default_factory=list)
    summary: IssueSummary = field(default_factory=IssueSummary)


def draft(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    month: str,
    issue_date: dt.date,
    now: dt.datetime,
    establishments: list[str] | None = None,
) -> Draft:
    """The documents a close of `month` would issue on `issue_date`, numbered as they would be, read-only: the
    differences between due and issued for the pairs of the open months valued again since issuing last
    compared them (issue_pending), of the `establishments` given (all when None)."""
    first_month, last_month = open_months(month, settings)
    params = {"first_month": first_month, "last_month": last_month}
    out = Draft()
    diff = query_frame(con, "billing/differences.sql", {**params, **_scope(establishments)})
    if diff.is_empty():
        return out
    invoices = query_frame(con, "billing/invoices_by_resident.sql", params)
    issued_keys = {(m, p, e) for m, p, e in run_sql(con, "billing/issued_keys.sql", params)}
    docs = plan_documents(diff, invoices, issued_keys)
    if not docs:
        return out
    last = {s: (seq, d) for s, seq, d in run_sql(con, "billing/last_numbers.sql", {"year": issue_date.year})}
    numbered = allocate_numbers(docs, issue_date, last)
    recipients = _recipients(con)
    months = sorted({doc.service_month for doc, _, _ in numbered})
    commitments = {(m, p, e): c for m, p, e, c in run_sql(con, "billing/commitments.sql", {**params, "months": months})}
    names = dict(run_sql(con, "billing/resident_names.sql"))
    summary = out.summary
    for doc, number, seq in numbered:
        who = recipients.get(doc.payer_code)
        if who is None:  # valuation only names known payers: this would be a bug, never a wrong recipient
            raise KeyError(f"payeur {doc.payer_code} introuvable pour le document du mois {doc.service_month}")
        delay = who["delay"] if who["delay"] is not None else settings.delai_paiement_jours
        out.documents.append(
            {
                "number": number,
                "series": doc.series,
                "year": issue_date.year,
                "seq": seq,
                "type": doc.type,
                "nature": doc.nature,
                "issue_date": issue_date,
                "due_date": issue_date + dt.timedelta(days=delay),
                "service_month": doc.service_month,
                "establishment_code": doc.establishment_code,
                "payer_code": doc.payer_code,
                "payer_type": doc.payer_type,
                "amount": doc.amount,
                "original_number": doc.original_number,
                "run_month": month,
                "payer_name": who["name"],
                "payer_address": who["address"],
                "payer_siret": who["siret"],
                "payer_service_code": who["service_code"],
                "payer_iban": who["iban"],
                "attention_of": who["attention_of"],
                "commitment_number": commitments.get((doc.service_month, doc.payer_code, doc.establishment_code)),
                "issued_at": now,
            }
        )
        for i, line in enumerate(doc.lines, start=1):
            out.lines.append(
                {
                    "number": number,
                    "line_no": i,
                    "resident_id": line.resident_id,
                    "resident_name": names.get(line.resident_id, line.resident_id),
                    "category": line.category,
                    "label": label(line.category, settings, doc.payer_type, doc.payer_code),
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "amount": line.amount,
                }
            )
        for c in doc.corrections:
            out.corrections.append(
                {"number": number, "corrected": c.invoice, "resident_id": c.resident_id, "amount": c.amount}
            )
        summary.documents += 1
        summary.numbers.append(number)
        if doc.type == "facture":
            summary.invoices += 1
            summary.invoiced += doc.amount
        else:
            summary.credit_notes += 1
            summary.credited += doc.amount
    return out


def issue(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    month: str,
    issue_date: dt.date,
    now: dt.datetime,
    establishments: list[str] | None = None,
) -> IssueSummary:
    """Issue the differences between due and issued for the open months of a close of `month` (`draft`) of the
    `establishments` given (the validated ones; all when None), and clear the pairs it compared (issue_pending)
    in the same transaction as the documents."""
    first_month, last_month = open_months(month, settings)
    drafted = draft(con, settings, month, issue_date, now, establishments)
    if drafted.documents:
        insert_frame(con, "documents", pl.DataFrame(drafted.documents, schema=DOCUMENT_SCHEMA))
        insert_frame(con, "document_lines", pl.DataFrame(drafted.lines, schema=LINE_SCHEMA))
        insert_frame(con, "document_corrections", pl.DataFrame(drafted.corrections, schema=CORRECTION_SCHEMA))
    run_sql(
        con,
        "billing/clear_pending.sql",
        {"first_month": first_month, "last_month": last_month, **_scope(establishments)},
    )
    return drafted.summary


def _scope(establishments: list[str] | None) -> dict:
    return {"all_establishments": establishments is None, "establishments": establishments or []}


def _recipients(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """Who each payer code is: the institutional payers, and every resident as private payer."""
    out = {}
    for code, name, address, siret, service, iban, delay, attention in run_sql(con, "billing/recipients.sql"):
        out[code] = {
            "name": name,
            "address": address,
            "siret": siret,
            "service_code": service,
            "iban": iban,
            "delay": delay,
            "attention_of": attention,
        }
    return out


MONEY = pl.Decimal(18, 2)
DOCUMENT_SCHEMA: SchemaDict = {
    "number": pl.String,
    "series": pl.String,
    "year": pl.Int32,
    "seq": pl.Int32,
    "type": pl.String,
    "nature": pl.String,
    "issue_date": pl.Date,
    "due_date": pl.Date,
    "service_month": pl.String,
    "establishment_code": pl.String,
    "payer_code": pl.String,
    "payer_type": pl.String,
    "amount": MONEY,
    "original_number": pl.String,
    "run_month": pl.String,
    "payer_name": pl.String,
    "payer_address": pl.String,
    "payer_siret": pl.String,
    "payer_service_code": pl.String,
    "payer_iban": pl.String,
    "attention_of": pl.String,
    "commitment_number": pl.String,
    "issued_at": pl.Datetime("us"),
}
LINE_SCHEMA: SchemaDict = {
    "number": pl.String,
    "line_no": pl.Int32,
    "resident_id": pl.String,
    "resident_name": pl.String,
    "category": pl.String,
    "label": pl.String,
    "quantity": pl.Int32,
    "unit_price": MONEY,
    "amount": MONEY,
}
CORRECTION_SCHEMA: SchemaDict = {"number": pl.String, "corrected": pl.String, "resident_id": pl.String, "amount": MONEY}
