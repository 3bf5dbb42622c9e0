"""Accounting entries of the billing and collection sub-ledger (docs/rules.md "Accounting entries"), as plain
functions of the documents and bank lines: no Dagster, no warehouse.

- Sales journal (VT): per invoice, debit the payer's 411 (auxiliary account and name), credit the revenue
  account of the payer type and establishment type (settings `comptes.produits`, "departement.FH" before
  "departement"); a credit note is the reverse, with one 411 line per invoice it corrects.
- Bank journal (BQ): per receipt, debit 512 (530 for cash), credit the 411 of each payer it was allocated to,
  one line per invoice it settles (its unallocated rest, on a line of its own, to the payer it is known to
  come from); a receipt nobody is known for goes to the waiting account 4711, and moves from 4711 to the
  payer's 411 once matched (an entry of the month it is matched in). A return is the reverse of a receipt, on
  the same accounts.
- Write-offs (journal OD): debit the loss account (settings `comptes.non_valeur`, 654), credit the payer's 411 for
  the invoice written off (with its letter when it is settled).
- Refunds (journal BQ): debit the payer's 411 (its credit), credit 512.

Each 411 line so concerns one invoice (`EntryLine.invoice`): the lines of a settled invoice balance, and carry
its letter code when it is settled by the time they are exported; the lettering file gives the letters given
later (lettering.py).

Labels name documents, bank lines and establishments, never a resident: the auxiliary account's label is
the payer's name, as the accounting software needs it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from assets.accounting.fec import FecLine
from assets.common.settings import Settings

ZERO = Decimal("0.00")
JOURNAL_LABELS = {"VT": "Ventes", "BQ": "Banque", "OD": "Opérations diverses"}


@dataclass
class EntryLine(FecLine):
    """An entry line, with the invoice its client-account (411) line bills or settles ('' for a payer's
    unallocated credit, and on the lines of other accounts)."""

    invoice: str = ""


@dataclass(frozen=True)
class Corrected:
    """What a credit note takes off one invoice it corrects (negative), and that invoice's letter."""

    invoice: str
    amount: Decimal
    letter: str = ""
    settled_on: dt.date | None = None


@dataclass(frozen=True)
class Document:
    number: str
    type: str  # facture, avoir
    issue_date: dt.date
    service_month: str
    establishment_code: str
    establishment_type: str
    payer_code: str
    payer_type: str
    payer_name: str
    aux_account: str
    amount: Decimal  # negative for a credit note
    original_number: str = ""
    letter: str = ""
    settled_on: dt.date | None = None
    corrections: tuple[Corrected, ...] = ()  # a credit note: the invoices it corrects, latest first


@dataclass(frozen=True)
class Share:
    """What a bank line brings to one payer's account for one invoice ('' for what it leaves as credit)."""

    payer_code: str
    payer_name: str
    aux_account: str
    amount: Decimal
    letter: str = ""
    settled_on: dt.date | None = None
    invoice: str = ""


@dataclass(frozen=True)
class Receipt:
    line_id: str
    date: dt.date
    amount: Decimal  # negative for a return
    mode: str  # especes, cheque, ... for a manual receipt; empty for a bank line
    shares: tuple[Share, ...] = ()  # what is not shared out goes to the waiting account


@dataclass
class Entry:
    """One balanced entry, before it gets its number."""

    journal: str
    date: dt.date
    piece_ref: str
    piece_date: dt.date
    label: str
    kind: str  # document, encaissement, affectation
    source: str  # the document number or the bank line id
    lines: list[EntryLine] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return sum((x.debit or ZERO for x in self.lines), ZERO) == sum((x.credit or ZERO for x in self.lines), ZERO)


def _line(entry: Entry, account: str, label: str, debit: Decimal, credit: Decimal, **kw: Any) -> EntryLine:
    if debit < 0 or credit < 0:  # a negative side is the other side
        debit, credit = -credit, -debit
    kw.setdefault("ecriture_lib", entry.label)
    return EntryLine(
        journal_code=entry.journal,
        journal_lib=JOURNAL_LABELS.get(entry.journal, entry.journal),
        ecriture_num="",
        ecriture_date=entry.date,
        compte_num=account,
        compte_lib=label,
        piece_ref=entry.piece_ref,
        piece_date=entry.piece_date,
        debit=debit,
        credit=credit,
        **kw,
    )


def _letter(letter: str, settled_on: dt.date | None) -> dict:
    return {"ecriture_let": letter, "date_let": settled_on} if letter else {}


def _client_credit(entry: Entry, account: str, share: Share) -> EntryLine:
    """What a receipt brings to one payer's 411 for one invoice (with its letter, when it is settled), or as
    the payer's credit."""
    label = f"{entry.label} {share.invoice}" if share.invoice else entry.label
    return _line(
        entry, account, "Clients", ZERO, share.amount, comp_aux_num=share.aux_account, comp_aux_lib=share.payer_name,
        invoice=share.invoice, ecriture_lib=label, **_letter(share.letter, share.settled_on),
    )  # fmt: skip


def revenue_account(settings: Settings, payer_type: str, establishment_type: str) -> str:
    produits = settings.comptes.produits
    return produits.get(f"{payer_type}.{establishment_type}") or produits[payer_type]


def sales_entry(doc: Document, settings: Settings, entry_date: dt.date) -> Entry:
    """Debit 411 / credit revenue for an invoice; the reverse for a credit note (negative amount), its 411 side
    one line per invoice it corrects."""
    accounts = settings.comptes
    what = "Facture" if doc.type == "facture" else f"Avoir sur {doc.original_number}"
    label = f"{what} {doc.number} {doc.establishment_code} {doc.service_month}"
    entry = Entry(accounts.journaux.ventes, entry_date, doc.number, doc.issue_date, label, "document", doc.number)
    client = {"comp_aux_num": doc.aux_account, "comp_aux_lib": doc.payer_name}
    if doc.type == "facture" or not doc.corrections:
        own = doc.number if doc.type == "facture" else ""
        clients = [_line(entry, accounts.clients, "Clients", doc.amount, ZERO, invoice=own, **client,
                         **_letter(doc.letter, doc.settled_on))]  # fmt: skip
    else:
        clients = [
            _line(entry, accounts.clients, "Clients", c.amount, ZERO, invoice=c.invoice, **client,
                  ecriture_lib=f"Avoir {doc.number} sur {c.invoice} {doc.establishment_code} {doc.service_month}",
                  **_letter(c.letter, c.settled_on))
            for c in doc.corrections
        ]  # fmt: skip
    revenue = revenue_account(settings, doc.payer_type, doc.establishment_type)
    entry.lines = [*clients, _line(entry, revenue, f"Produits {doc.payer_type}", ZERO, doc.amount)]
    return entry


def bank_entry(receipt: Receipt, settings: Settings, entry_date: dt.date) -> Entry:
    """Debit the bank (or the cash) / credit each payer's 411, or the waiting account."""
    accounts = settings.comptes
    kind = "Rejet" if receipt.amount < 0 else "Encaissement"
    label = f"{kind} {receipt.mode + ' ' if receipt.mode else ''}{receipt.line_id}"
    entry = Entry(
        accounts.journaux.banque, entry_date, receipt.line_id[:60], receipt.date, label, "encaissement", receipt.line_id
    )
    treasury = accounts.caisse if receipt.mode == "especes" else accounts.banque
    entry.lines = [_line(entry, treasury, "Caisse" if receipt.mode == "especes" else "Banque", receipt.amount, ZERO)]
    unknown = receipt.amount - sum((s.amount for s in receipt.shares), ZERO)
    if unknown:
        entry.lines.append(_line(entry, accounts.attente, "Encaissements à identifier", ZERO, unknown))
    entry.lines += [_client_credit(entry, accounts.clients, share) for share in receipt.shares]
    return entry


def move_entry(
    line_id: str,
    line_date: dt.date,
    entered: dict[tuple[str, str], Share],
    now: list[Share],
    settings: Settings,
    entry_date: dt.date,
) -> Entry | None:
    """A receipt an earlier file entered, placed differently since (a decision, a return, a correction): each
    payer's 411 credited, invoice by invoice, with what it now gets more than its entries gave it (debited with
    what less), against the waiting account for the rest; None when nothing moved. `entered` and `now`: the
    shares per (auxiliary account, invoice), the waiting account's apart (a receipt first on the waiting
    account, then matched, is the usual case: debit 4711 / credit the payers' 411). A line settling an invoice
    carries its letter when it is settled."""
    accounts = settings.comptes
    entry = Entry(
        accounts.journaux.banque,
        entry_date,
        line_id[:60],
        line_date,
        f"Affectation {line_id}",
        "affectation",
        line_id,
    )
    wanted = {(s.aux_account, s.invoice): s for s in now}
    moved = []
    for key in sorted(set(entered) | set(wanted)):
        before, after = entered.get(key), wanted.get(key)
        change = (after.amount if after else ZERO) - (before.amount if before else ZERO)
        who = after or before
        if change and who is not None:
            moved.append(dataclasses.replace(who, amount=change))
    if not moved:
        return None
    total = sum((s.amount for s in moved), ZERO)
    entry.lines = [_line(entry, accounts.attente, "Encaissements à identifier", total, ZERO)] if total else []
    entry.lines += [_client_credit(entry, accounts.clients, share) for share in moved]
    return entry


@dataclass(frozen=True)
class WriteOff:
    key: str  # NV-<seq>
    number: str
    decided_on: dt.date
    amount: Decimal
    share: Share  # the payer's 411 for the invoice


def write_off_entry(w: WriteOff, settings: Settings, entry_date: dt.date) -> Entry:
    """Debit the loss account / credit the payer's 411 for the invoice written off."""
    accounts = settings.comptes
    label = f"Admission en non-valeur {w.key}"  # the client line adds the invoice's number
    entry = Entry(accounts.journaux.operations_diverses, entry_date, w.key, w.decided_on, label, "non_valeur", w.key)
    entry.lines = [
        _line(entry, accounts.non_valeur, "Pertes sur créances irrécouvrables", w.amount, ZERO),
        _client_credit(entry, accounts.clients, w.share),
    ]
    return entry


def refund_entry(refund_id: str, day: dt.date, share: Share, settings: Settings, entry_date: dt.date) -> Entry:
    """Debit the payer's 411 (its credit, invoice '') / credit the bank: the credit transfer of a refund."""
    accounts = settings.comptes
    entry = Entry(accounts.journaux.banque, entry_date, refund_id, day, f"Remboursement {refund_id}", "remboursement",
                  refund_id)  # fmt: skip
    entry.lines = [
        _line(entry, accounts.clients, "Clients", share.amount, ZERO, comp_aux_num=share.aux_account,
              comp_aux_lib=share.payer_name, invoice=""),
        _line(entry, accounts.banque, "Banque", ZERO, share.amount),
    ]  # fmt: skip
    return entry


def number_entries(
    entries: list[Entry], last: dict[tuple[str, int], int], valid_date: dt.date
) -> list[tuple[Entry, EntryLine]]:
    """Numbers continuous and chronological per journal and year (`last`: the last number given so far,
    updated), JOURNAL-AAAA-NNNNNN; every line validated on `valid_date`. The entries' lines are numbered in
    place (a copy of each took a third of a month's 27,000 lines' building). Lines of zero are left out."""
    out: list[tuple[Entry, EntryLine]] = []
    for entry in sorted(entries, key=lambda e: (e.journal, e.date, e.kind != "document", e.piece_ref, e.source)):
        key = (entry.journal, entry.date.year)
        last[key] = last.get(key, 0) + 1
        number = f"{entry.journal}-{entry.date.year}-{last[key]:06d}"
        for x in entry.lines:
            if x.debit or x.credit:
                x.ecriture_num, x.valid_date = number, valid_date
                out.append((entry, x))
    return out
