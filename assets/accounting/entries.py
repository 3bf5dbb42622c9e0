"""Accounting entries of the billing and collection sub-ledger (DOMAIN.md "Accounting entries"), as plain
functions of the documents and bank lines: no Dagster, no warehouse.

- Sales journal (VT): per invoice, debit the payer's 411 (auxiliary account and name), credit the revenue
  account of the payer type and establishment type (settings `comptes.produits`, "departement.FH" before
  "departement"); a credit note is the reverse. The 411 line of a settled invoice carries its letter code.
- Bank journal (BQ): per receipt, debit 512 (530 for cash), credit the 411 of each payer it was allocated to
  (its unallocated rest to the payer it is known to come from); a receipt nobody is known for goes to the
  waiting account 4711, and moves from 4711 to the payer's 411 once matched (an entry of the month it is
  matched in). A return is the reverse of a receipt, on the same accounts.

Labels name documents, bank lines and establishments, never a resident: the auxiliary account's label is
the payer's name, as the accounting software needs it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from assets.accounting.fec import FecLine

ZERO = Decimal("0.00")
JOURNAL_LABELS = {"VT": "Ventes", "BQ": "Banque"}


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


@dataclass(frozen=True)
class Share:
    """What a bank line brings to one payer's account."""

    payer_code: str
    payer_name: str
    aux_account: str
    amount: Decimal
    letter: str = ""
    settled_on: dt.date | None = None


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
    lines: list[FecLine] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return sum((x.debit for x in self.lines), ZERO) == sum((x.credit for x in self.lines), ZERO)


def _line(entry: Entry, account: str, label: str, debit: Decimal, credit: Decimal, **kw) -> FecLine:
    if debit < 0 or credit < 0:  # a negative side is the other side
        debit, credit = -credit, -debit
    return FecLine(
        journal_code=entry.journal,
        journal_lib=JOURNAL_LABELS.get(entry.journal, entry.journal),
        ecriture_num="",
        ecriture_date=entry.date,
        compte_num=account,
        compte_lib=label,
        piece_ref=entry.piece_ref,
        piece_date=entry.piece_date,
        ecriture_lib=entry.label,
        debit=debit,
        credit=credit,
        **kw,
    )


def _client_credit(entry: Entry, account: str, share: Share, lettered: bool) -> FecLine:
    """What a receipt brings to one payer's 411 (with the letter its invoices share, when it has one)."""
    letter = {"ecriture_let": share.letter, "date_let": share.settled_on} if lettered and share.letter else {}
    return _line(
        entry, account, "Clients", ZERO, share.amount, comp_aux_num=share.aux_account, comp_aux_lib=share.payer_name,
        **letter,
    )  # fmt: skip


def revenue_account(settings, payer_type: str, establishment_type: str) -> str:
    produits = settings.comptes.produits
    return produits.get(f"{payer_type}.{establishment_type}") or produits[payer_type]


def sales_entry(doc: Document, settings, entry_date: dt.date) -> Entry:
    """Debit 411 / credit revenue for an invoice; the reverse for a credit note (negative amount)."""
    accounts = settings.comptes
    what = "Facture" if doc.type == "facture" else f"Avoir sur {doc.original_number}"
    label = f"{what} {doc.number} {doc.establishment_code} {doc.service_month}"
    entry = Entry(accounts.journaux.ventes, entry_date, doc.number, doc.issue_date, label, "document", doc.number)
    letter = {"ecriture_let": doc.letter, "date_let": doc.settled_on} if doc.letter else {}
    entry.lines = [
        _line(
            entry,
            accounts.clients,
            "Clients",
            doc.amount,
            ZERO,
            comp_aux_num=doc.aux_account,
            comp_aux_lib=doc.payer_name,
            **letter,
        ),
        _line(
            entry,
            revenue_account(settings, doc.payer_type, doc.establishment_type),
            f"Produits {doc.payer_type}",
            ZERO,
            doc.amount,
        ),
    ]
    return entry


def bank_entry(receipt: Receipt, settings, entry_date: dt.date) -> Entry:
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
    entry.lines += [_client_credit(entry, accounts.clients, share, lettered=True) for share in receipt.shares]
    return entry


def move_entry(
    line_id: str, line_date: dt.date, entered: dict[str, Share], now: list[Share], settings, entry_date: dt.date
) -> Entry | None:
    """A receipt an earlier file entered, placed differently since (a decision, a return, a correction): each
    payer's 411 credited with what it now gets more than its entries gave it (debited with what less), against
    the waiting account for the rest; None when nothing moved. `entered` and `now`: the shares per auxiliary
    account, the waiting account's apart (a receipt first on the waiting account, then matched, is the
    usual case: debit 4711 / credit the payers' 411)."""
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
    wanted = {s.aux_account: s for s in now}
    moved = []
    for aux in sorted(set(entered) | set(wanted)):
        before, after = entered.get(aux), wanted.get(aux)
        change = (after.amount if after else ZERO) - (before.amount if before else ZERO)
        if change:
            who = after or before
            moved.append(Share(who.payer_code, who.payer_name, aux, change))
    if not moved:
        return None
    total = sum((s.amount for s in moved), ZERO)
    entry.lines = [_line(entry, accounts.attente, "Encaissements à identifier", total, ZERO)] if total else []
    entry.lines += [_client_credit(entry, accounts.clients, share, lettered=False) for share in moved]
    return entry


def number_entries(
    entries: list[Entry], last: dict[tuple[str, int], int], valid_date: dt.date
) -> list[tuple[Entry, FecLine]]:
    """Numbers continuous and chronological per journal and year (`last`: the last number given so far,
    updated), JOURNAL-AAAA-NNNNNN; every line validated on `valid_date`. The entries' lines are numbered in
    place (a copy of each took a third of a month's 27,000 lines' building). Lines of zero are left out."""
    out: list[tuple[Entry, FecLine]] = []
    for entry in sorted(entries, key=lambda e: (e.journal, e.date, e.kind != "document", e.piece_ref, e.source)):
        key = (entry.journal, entry.date.year)
        last[key] = last.get(key, 0) + 1
        number = f"{entry.journal}-{entry.date.year}-{last[key]:06d}"
        for x in entry.lines:
            if x.debit or x.credit:
                x.ecriture_num, x.valid_date = number, valid_date
                out.append((entry, x))
    return out
