"""The demo's accounting department: it imports Recettes' entry files into its software and, before each
close, exports its general ledger (FEC layout, tab-separated, Latin-1, its own entry numbers) into
entrees/comptabilite/grand_livre.txt, as real software does: the current fiscal year (the calendar year),
opening with the à-nouveaux of the balance-sheet accounts carried from the years before (journal AN, the
year's result carried to 110 / 119), each journal numbered from 1 in the year, in the order of validation.

The ledger holds our entries as imported, the association's other activity (salaries, purchases, their
payments), and two deliberate discrepancies for the réciprocité comptable to find: one of our bank entries
imported twice (`duplicate_month`), and a receivable written off by hand in accounting (`manual_month`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from assets.accounting.fec import FecLine, read_fec, write_fec
from assets.common.months import month_end


class AccountingDepartment:
    def __init__(self, duplicate_month: str = "2025-06", manual_month: str = "2025-10"):
        self.duplicate_month, self.manual_month = duplicate_month, manual_month
        self.imported: list[str] = []  # months whose file was imported

    def export(self, home: Path, up_to: str) -> int:
        """Write the ledger of the fiscal year of `up_to`, up to that month, with the à-nouveaux of the
        months before the year whose entry file exists; returns its line count."""
        files = sorted((home / "sorties").glob("*/comptabilite/ecritures_*.txt"))
        months = [p.parent.parent.name for p in files if p.parent.parent.name <= up_to]
        if not months:
            return 0
        year = up_to[:4]
        carried: dict[tuple[str, str], Decimal] = {}  # balance per account and auxiliary account
        labels: dict[tuple[str, str], tuple[str, str]] = {}
        lines: list[FecLine] = []
        numbers: dict[str, int] = {}

        def add(entry: list[FecLine]) -> None:
            numbers[entry[0].journal_code] = numbers.get(entry[0].journal_code, 0) + 1
            number = f"{entry[0].journal_code}{numbers[entry[0].journal_code]:06d}"
            lines.extend(replace(x, ecriture_num=number) for x in entry)

        for month in months:
            entries = self._entries(home, month)
            if month[:4] == year:
                for entry in sorted(entries, key=_validation_order):
                    add(entry)  # the software numbers each journal in the order it validates entries
                continue
            for x in (x for entry in entries for x in entry):
                income = x.compte_num[:1] in "67"  # the result of the year, carried as one balance
                key = ("RESULT", "") if income else (x.compte_num, x.comp_aux_num)
                carried[key] = carried.get(key, Decimal("0")) + (x.debit or 0) - (x.credit or 0)
                labels[key] = (x.compte_lib, x.comp_aux_lib)  # the latest
        opening = _opening(carried, labels, dt.date(int(year), 1, 1))
        if opening:
            add(opening)
        lines.sort(key=lambda x: (x.journal_code, x.ecriture_num))
        folder = home / "entrees" / "comptabilite"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "grand_livre.txt").write_bytes(write_fec(lines, separator="\t", encoding="iso-8859-15"))
        return len(lines)

    def _entries(self, home: Path, month: str) -> list[list[FecLine]]:
        """The month's entries as the software holds them: our file imported (one bank entry twice in
        `duplicate_month`, a resident's receivable written off in `manual_month`), and its other activity."""
        path = home / "sorties" / month / "comptabilite" / f"ecritures_{month}.txt"
        by_entry: dict[tuple[str, str], list[FecLine]] = {}
        for x in read_fec(path.read_bytes(), path.name).lines:
            by_entry.setdefault(x.entry, []).append(replace(x, number=0, raw={}, field_count=0, line_end=""))
        entries = list(by_entry.values())
        if month == self.duplicate_month:
            bank = [e for e in entries if e[0].journal_code == "BQ" and any(x.comp_aux_num for x in e)]
            entries += bank[:1]  # imported twice
        if month == self.manual_month:
            resident = [e for e in entries if e[0].journal_code == "VT" and e[0].comp_aux_num[:1] == "U"]
            entries += [_write_off(e[0]) for e in resident[-1:]]
        return entries + _other_activity(month)


def _validation_order(entry: list[FecLine]) -> tuple:
    """Per journal, in the order of validation (A47 A-1), then of entry date."""
    first = entry[0]
    return (first.journal_code, first.valid_date or first.ecriture_date, first.ecriture_date)


def _opening(
    carried: dict[tuple[str, str], Decimal], labels: dict[tuple[str, str], tuple[str, str]], day: dt.date
) -> list[FecLine]:
    """The à-nouveaux entry: one line per account (and auxiliary account) whose balance is not zero, the
    result of the years before on 110 (a profit) or 119 (a loss)."""
    out = []
    for (account, aux), balance in sorted(carried.items()):
        if not balance:
            continue
        label, aux_label = labels[(account, aux)]
        if account == "RESULT":
            loss = balance > 0
            account, label = ("119", "Report à nouveau débiteur") if loss else ("110", "Report à nouveau créditeur")
        debit, credit = (balance, Decimal("0")) if balance > 0 else (Decimal("0"), -balance)
        out.append(
            FecLine("AN", "A nouveaux", "", day, account, label, aux, aux_label, f"AN-{day.year}", day,
                    "A nouveaux", debit, credit, valid_date=day)
        )  # fmt: skip
    return out


def _write_off(invoice: FecLine) -> list[FecLine]:
    """A small rest of a resident's invoice written off by hand (654 against the resident's 411)."""
    day = invoice.ecriture_date
    amount = Decimal("12.50")
    base = replace(invoice, journal_code="OD", journal_lib="Opérations diverses", piece_ref="OD-PERTE", piece_date=day)
    return [
        replace(base, compte_num="654", compte_lib="Pertes sur créances", comp_aux_num="", comp_aux_lib="",
                ecriture_lib="Perte sur créance irrécouvrable", debit=amount, credit=Decimal("0"),
                ecriture_let="", date_let=None),
        replace(base, ecriture_lib="Perte sur créance irrécouvrable", debit=Decimal("0"), credit=amount,
                ecriture_let="", date_let=None),
    ]  # fmt: skip


def _other_activity(month: str) -> list[list[FecLine]]:
    """Salaries and a purchase of the month, paid from the bank: accounts Recettes never touches."""
    last = month_end(month)
    mid = last.replace(day=15)

    def line(journal, label, account, account_label, piece, day, text, debit, credit, aux="", aux_label=""):
        return FecLine(journal, label, "", day, account, account_label, aux, aux_label, piece, day, text,
                       Decimal(debit), Decimal(credit), valid_date=last)  # fmt: skip

    pay, buy = f"PAIE-{month}", f"ACH-{month}"
    return [
        [
            line("PA", "Paie", "641", "Rémunérations du personnel", pay, last, "Salaires", "412380.00", "0"),
            line("PA", "Paie", "421", "Personnel - rémunérations dues", pay, last, "Salaires", "0", "412380.00"),
        ],
        [
            line("AC", "Achats", "6063", "Fournitures d'entretien", buy, mid, "Fournitures", "3187.40", "0"),
            line("AC", "Achats", "401", "Fournisseurs", buy, mid, "Fournitures", "0", "3187.40", "F0042", "HYGIENE 66"),
        ],
        [
            line(
                "BQ",
                "Banque",
                "401",
                "Fournisseurs",
                buy,
                last,
                "Règlement fournisseur",
                "3187.40",
                "0",
                "F0042",
                "HYGIENE 66",
            ),
            line("BQ", "Banque", "512", "Banque", buy, last, "Règlement fournisseur", "0", "3187.40"),
        ],  # fmt: skip
    ]
