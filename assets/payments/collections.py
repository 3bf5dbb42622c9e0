"""SEPA direct debits (docs/rules.md "Receivables and dunning", direct debit): which open invoices a close
presents, on which date and with which sequence type, and the month's treasury files.

`plan_presentations` is the pure rule. An invoice of a payer with a mandate is presented when it is open and
was never presented, or when its latest presentation came back (a return of its end-to-end id, the invoice
number, booked on or after its collection date); it is presented for its open amount (credits applied first),
on `collection_date` (assets/common/collection.py), under a mandate signed by then and not ended. A mandate
whose collections came back `sepa.rejets_avant_suspension` times (default 2) is suspended: its payer's invoices
are no longer presented and go back to letter reminders. The sequence type is the mandate's own when the file
gives one, else FRST until one of its collections went through (was presented and not returned), RCUR after.

A presentation not returned whose collection date is after the month's end (no statement read covers it yet)
is pending: the dunning waits for it, and no credit is applied to its invoice (the bank takes its whole amount).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl

from assets.common.audit import record_file
from assets.common.collection import Presented, collection_date, history, suspended
from assets.common.months import month_end
from assets.common.outputs import write_bytes, write_csv
from assets.common.settings import Settings
from assets.common.warehouse import insert_frame, run_sql
from assets.payments import sepa


@dataclass(frozen=True)
class Mandate:
    payer_code: str
    iban: str
    bic: str
    rum: str
    signed_on: dt.date
    ends_on: dt.date | None
    sequence: str | None


@dataclass(frozen=True)
class Collectable:
    number: str
    payer_code: str
    issue_date: dt.date
    open_amount: Decimal


@dataclass(frozen=True)
class Presentation:
    number: str
    payer_code: str
    rum: str
    signed_on: dt.date
    iban: str
    bic: str
    amount: Decimal
    collection_date: dt.date
    sequence: str


def plan_presentations(
    invoices: list[Collectable], mandates: dict[str, Mandate], history: list[Presented], settings: Settings, month: str
) -> list[Presentation]:
    """The presentations the close of `month` makes (see the module docstring), oldest invoice first."""
    latest = {p.number: p for p in history if p.latest}
    stopped = suspended(history, settings)
    went_through = {p.rum for p in history if not p.returned}
    out = []
    for inv in sorted(invoices, key=lambda i: (i.payer_code, i.issue_date, i.number)):
        mandate = mandates.get(inv.payer_code)
        if mandate is None or mandate.rum in stopped or inv.open_amount <= 0:
            continue
        before = latest.get(inv.number)
        if before is not None and not before.returned:
            continue  # pending, or collected (what is still open is chased as any invoice)
        day = collection_date(inv.issue_date, month, settings.sepa)
        if mandate.signed_on > day or (mandate.ends_on is not None and mandate.ends_on < day):
            continue
        sequence = mandate.sequence or ("RCUR" if mandate.rum in went_through else "FRST")
        out.append(
            Presentation(inv.number, inv.payer_code, mandate.rum, mandate.signed_on, mandate.iban, mandate.bic,
                         inv.open_amount, day, sequence)
        )  # fmt: skip
    return out


def pending_collections(
    con: duckdb.DuckDBPyConnection, month: str, past: list[Presented] | None = None
) -> frozenset[str]:
    """The invoices whose latest presentation is not returned and falls after the month's end (`past`: the
    presentations' history when the caller read it already)."""
    end = month_end(month)
    past = history(con, month) if past is None else past
    return frozenset(p.number for p in past if p.latest and not p.returned and p.collection_date > end)


def present(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    month: str,
    now: dt.datetime,
    past: list[Presented] | None = None,
) -> list[Presentation]:
    """Records the presentations of the close of `month` (a re-run records nothing more); `past`: the
    presentations' history when the caller read it already (the matching changes neither the presentations
    nor the returns it reads)."""
    mandates = {m.payer_code: m for m in (Mandate(*row) for row in run_sql(con, "common/mandates.sql"))}
    if not mandates:
        return []
    invoices = [Collectable(*row) for row in run_sql(con, "payments/collectable.sql")]
    past = history(con, month) if past is None else past
    planned = plan_presentations(invoices, mandates, past, settings, month)
    seq = run_sql(con, "payments/collection_next_seq.sql")[0][0]
    insert_frame(
        con,
        "collections",
        pl.DataFrame(
            [
                (
                    seq + i,
                    p.number,
                    p.payer_code,
                    p.rum,
                    p.signed_on,
                    p.iban,
                    p.bic or None,
                    p.amount,
                    p.collection_date,
                    p.sequence,
                    month,
                    now,
                )
                for i, p in enumerate(planned, start=1)
            ],  # fmt: skip
            schema={
                "seq": pl.Int64,
                "number": pl.String,
                "payer_code": pl.String,
                "rum": pl.String,
                "signed_on": pl.Date,
                "iban": pl.String,
                "bic": pl.String,
                "amount": pl.Decimal(18, 2),
                "collection_date": pl.Date,
                "sequence": pl.String,
                "run_month": pl.String,
                "recorded_at": pl.Datetime("us"),
            },
            orient="row",
        ),
    )
    return planned


# the month's treasury as CSV, for the director's report and the accounting department (codes, never names)
TREASURY_CSV = (
    ("prelevements.csv", ["numero_facture", "code_financeur", "rum", "montant", "date_prelevement", "sequence"],
     "payments/month_collections_csv.sql"),
    ("remboursements.csv", ["id_remboursement", "code_financeur", "montant", "date_execution", "motif"],
     "payments/month_refunds_csv.sql"),
    ("non_valeurs.csv", ["numero_facture", "code_financeur", "montant", "date_decision", "motif"],
     "payments/month_write_offs_csv.sql"),
)  # fmt: skip


def write_treasury_files(
    con: duckdb.DuckDBPyConnection, settings: Settings, sorties: Path, month: str
) -> dict[str, int]:
    """sorties/AAAA-MM/tresorerie/prelevements.xml (the presentations the month's closes recorded, pain.008)
    and remboursements.xml (its refunds, pain.001), a file only when there is something in it; and, always,
    prelevements.csv, remboursements.csv and non_valeurs.csv (the write-offs its closes recorded)."""
    folder = sorties / month / "tresorerie"
    association = settings.association
    # the files are the month's: dated the day after its end, whenever they are written (a re-run, a crash and
    # its completion write the same bytes)
    created = dt.datetime.combine(month_end(month) + dt.timedelta(days=1), dt.time(0, 0))
    counts = {"prelevements": 0, "remboursements": 0}
    for name, header, query in TREASURY_CSV:
        write_csv(folder / name, header, run_sql(con, query, {"month": month}))
        record_file(con, sorties, folder / name)
    rows = run_sql(con, "payments/month_collections.sql", {"month": month})
    if rows:
        if not settings.sepa.ics:  # the mandates are set aside without it (assets/ingest/mandates.py)
            raise ValueError("parametrage.yaml : sepa.ics (identifiant créancier SEPA) est requis pour prélever")
        creditor = sepa.Creditor(association.nom, association.iban, association.bic, settings.sepa.ics)
        collections = [
            sepa.Collection(number, amount, rum, signed_on, sequence, name, iban, bic or "",
                            f"Facture {number} {establishment} {service_month}", day)
            for number, amount, rum, signed_on, sequence, name, iban, bic, establishment, service_month, day in rows
        ]  # fmt: skip
        xml = sepa.direct_debits(creditor, collections, f"PRLV-{month}-{len(collections)}", created)
        write_bytes(folder / "prelevements.xml", xml)
        record_file(con, sorties, folder / "prelevements.xml")
        counts["prelevements"] = len(collections)
    refunds = run_sql(con, "payments/month_refunds.sql", {"month": month})
    if refunds:
        debtor = sepa.Debtor(association.nom, association.iban, association.bic)
        transfers = [
            sepa.Transfer(refund_id, amount, name, iban, bic or "", f"Remboursement {refund_id} {reason}"[:140], day)
            for refund_id, amount, name, iban, bic, reason, day in refunds
        ]
        xml = sepa.credit_transfers(debtor, transfers, f"VIR-{month}-{len(transfers)}", created)
        write_bytes(folder / "remboursements.xml", xml)
        record_file(con, sorties, folder / "remboursements.xml")
        counts["remboursements"] = len(transfers)
    return counts
