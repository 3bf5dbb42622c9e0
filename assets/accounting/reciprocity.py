"""Réciprocité comptable (DOMAIN.md "Accounting entries"): the balance of each payer's 411 account in the
general ledger the accounting software exports must equal what Recettes says that payer owes on the same
date. A plain function of the ledger (a read FEC) and of the 411 lines of our entry files.

Each difference comes with the lines that explain it, found by piece reference and amount: an entry of
ours the ledger does not have (not imported yet), one it has twice (imported twice), and a line of the
ledger that is not ours (entered by hand in accounting).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from assets.accounting.fec import FecFile, Ledger
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


@dataclass
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


def reciprocity(ledger: FecFile | Ledger, ours: list[OurLine], clients: str, on: dt.date) -> list[Difference]:
    """The payers whose 411 balance in the ledger on `on` differs from ours, with their explanations. The
    ledger as read_fec reads it, or its client lines only (read_ledger)."""
    theirs: dict[str, list[tuple[str, Decimal, str]]] = {}
    names: dict[str, str] = {}
    for x in ledger.lines:
        if not x.compte_num.startswith(clients) or not x.ecriture_date or x.ecriture_date > on:
            continue
        amount = (x.debit or ZERO) - (x.credit or ZERO)
        description = f"{x.journal_code} {x.ecriture_num} du {x.ecriture_date:%d/%m/%Y} « {x.ecriture_lib} »"
        theirs.setdefault(x.comp_aux_num, []).append((x.piece_ref, amount, description))
        names.setdefault(x.comp_aux_num, x.comp_aux_lib)
    mine: dict[str, list[OurLine]] = {}
    for line in ours:
        if line.entry_date <= on:
            mine.setdefault(line.aux, []).append(line)
            names.setdefault(line.aux, line.aux_label)
    out = []
    for aux in sorted(set(theirs) | set(mine)):
        ledger_balance = sum((a for _, a, _ in theirs.get(aux, [])), ZERO)
        our_balance = sum((x.amount for x in mine.get(aux, [])), ZERO)
        if ledger_balance == our_balance:
            continue
        difference = Difference(aux, names.get(aux, ""), ledger_balance, our_balance)
        have = Counter((p, a) for p, a, _ in theirs.get(aux, []))
        want = Counter((x.piece_ref, x.amount) for x in mine.get(aux, []))
        for x in mine.get(aux, []):
            if have[(x.piece_ref, x.amount)] < want[(x.piece_ref, x.amount)]:
                difference.explanations.append(
                    f"non importée en comptabilité : {x.entry_num} pièce {x.piece_ref} ({french_amount(x.amount)})"
                )
                want[(x.piece_ref, x.amount)] -= 1
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
