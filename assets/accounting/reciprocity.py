"""Réciprocité comptable (docs/rules.md "Accounting entries"): the balance of each payer's 411 account in the
general ledger the accounting software exports must equal what Recettes says that payer owes on the same
date. A plain function of the ledger (a read FEC) and of the 411 lines of our entry files.

Each difference comes with the lines that explain it, found by piece reference and amount: an entry of
ours the ledger does not have (not imported yet), one it has twice (imported twice), and a line of the
ledger that is not ours (entered by hand in accounting).

A FEC covers one fiscal year and opens with its à-nouveaux: the balance of each account carried from the
year before, in an opening journal (`AN`, also written `RAN` or `ANO`). When the ledger has them, what we
entered before their date is compared with them as one balance per payer, and only the year's lines are
compared piece by piece: a gap carried from an earlier year is named as such, not as every old line missing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from assets.accounting.fec import OPENING_JOURNALS, FecFile, GeneralLedger
from assets.common.outputs import french_amount

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class OurLine:
    aux: str
    aux_label: str
    piece_ref: str
    entry_num: str
    entry_date: dt.date
    amount: Decimal  # debit - credit


@dataclass(frozen=True)
class Difference:
    aux: str
    name: str
    ledger: Decimal
    ours: Decimal
    explanations: list[str] = field(default_factory=list)

    @property
    def gap(self) -> Decimal:
        return self.ledger - self.ours


def last_date(ledger: FecFile) -> dt.date | None:
    dates = [x.ecriture_date for x in ledger.lines if x.ecriture_date]
    return max(dates) if dates else None


def opening_date(ledger: FecFile | GeneralLedger) -> dt.date | None:
    """The date of the ledger's à-nouveaux (any account's), None when it has none."""
    if isinstance(ledger, GeneralLedger):
        return ledger.opening
    return min((x.ecriture_date for x in ledger.lines if x.journal_code in OPENING_JOURNALS and x.ecriture_date),
               default=None)  # fmt: skip


def reciprocity(ledger: FecFile | GeneralLedger, ours: list[OurLine], clients: str, on: dt.date) -> list[Difference]:
    """The payers whose 411 balance in the ledger on `on` differs from ours, with their explanations. The
    ledger as read_fec reads it, or its client lines only (read_general_ledger)."""
    theirs: dict[str, list[tuple[str, Decimal, str]]] = {}
    opening: dict[str, Decimal] = {}  # the à-nouveaux, per payer
    names: dict[str, str] = {}
    clients_lines = [
        x for x in ledger.lines if x.compte_num.startswith(clients) and x.ecriture_date and x.ecriture_date <= on
    ]
    start = opening_date(ledger)  # of the whole ledger: a payer whose balance was 0 has no à-nouveau line
    for x in clients_lines:
        amount = (x.debit or ZERO) - (x.credit or ZERO)
        names.setdefault(x.comp_aux_num, x.comp_aux_lib)
        if start and x.journal_code in OPENING_JOURNALS:
            opening[x.comp_aux_num] = opening.get(x.comp_aux_num, ZERO) + amount
            continue
        description = f"{x.journal_code} {x.ecriture_num} du {x.ecriture_date:%d/%m/%Y} « {x.ecriture_lib} »"
        theirs.setdefault(x.comp_aux_num, []).append((x.piece_ref, amount, description))
    mine: dict[str, list[OurLine]] = {}
    carried: dict[str, Decimal] = {}  # ours before the à-nouveaux' date, per payer
    for line in ours:
        if line.entry_date <= on:
            names.setdefault(line.aux, line.aux_label)
            if start and line.entry_date < start:
                carried[line.aux] = carried.get(line.aux, ZERO) + line.amount
            else:
                mine.setdefault(line.aux, []).append(line)
    out = []
    for aux in sorted(set(theirs) | set(mine) | set(opening) | set(carried)):
        ledger_balance = opening.get(aux, ZERO) + sum((a for _, a, _ in theirs.get(aux, [])), ZERO)
        our_balance = carried.get(aux, ZERO) + sum((x.amount for x in mine.get(aux, [])), ZERO)
        if ledger_balance == our_balance:
            continue
        difference = Difference(aux, names.get(aux, ""), ledger_balance, our_balance)
        if opening.get(aux, ZERO) != carried.get(aux, ZERO):
            difference.explanations.append(
                f"à-nouveaux du {start:%d/%m/%Y} : {french_amount(opening.get(aux, ZERO))} en comptabilité, "
                f"{french_amount(carried.get(aux, ZERO))} dans Recettes (écart d'un exercice précédent)"
            )
        have = Counter((p, a) for p, a, _ in theirs.get(aux, []))
        want = Counter((o.piece_ref, o.amount) for o in mine.get(aux, []))
        for o in mine.get(aux, []):
            if have[(o.piece_ref, o.amount)] < want[(o.piece_ref, o.amount)]:
                difference.explanations.append(
                    f"non importée en comptabilité : {o.entry_num} pièce {o.piece_ref} ({french_amount(o.amount)})"
                )
                want[(o.piece_ref, o.amount)] -= 1
        seen: Counter = Counter()
        for piece, amount, description in theirs.get(aux, []):
            seen[(piece, amount)] += 1
            expected = Counter((x.piece_ref, x.amount) for x in mine.get(aux, []))[(piece, amount)]
            if not expected:
                difference.explanations.append(
                    f"saisie en comptabilité, absente de Recettes : {description} ({french_amount(amount)})"
                )
            elif seen[(piece, amount)] > expected:
                difference.explanations.append(
                    f"importée deux fois : pièce {piece}, {description} ({french_amount(amount)})"
                )
        out.append(difference)
    return out
