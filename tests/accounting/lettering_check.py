"""Lettering the client accounts from the files Recettes gives the accountant, as accounting software would:
the letters each entry file carries, then each month's lettering file in order (a letter given puts its code
on the lines it lists, a letter taken back takes it off)."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

from assets.accounting.fec import read_fec_file

Key = tuple[str, str, str, str, str, Decimal, str]  # file, journal, entry number, aux, label, amount, D/C


def client_lines(sorties: Path, clients: str = "411") -> dict[Key, str]:
    """Every client-account line of the entry files, with the letter its file gives it."""
    lines: dict[Key, str] = {}
    for path in sorted(sorties.glob("*/comptabilite/ecritures_*.txt")):
        for x in read_fec_file(path).lines:
            if x.compte_num != clients:
                continue
            side = "D" if x.debit >= x.credit else "C"
            key = (path.name, x.journal_code, x.ecriture_num, x.comp_aux_num, x.ecriture_lib, abs(x.debit - x.credit),
                   side)  # fmt: skip
            assert key not in lines, f"two lines of {path.name} read the same: {key}"
            lines[key] = x.ecriture_let
    return lines


def letter(sorties: Path, clients: str = "411") -> tuple[dict[Key, str], Counter]:
    """The client lines lettered from the files alone, and how many rows of the lettering files were applied
    per event."""
    lines = client_lines(sorties, clients)
    applied: Counter = Counter()
    for path in sorted(sorties.glob("*/comptabilite/lettrage_*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f, delimiter=";"):
                amount = Decimal(row["montant"].replace(",", "."))
                key = (row["fichier"], row["journal"], row["numero_ecriture"], row["compte_auxiliaire"],
                       row["libelle"], amount, row["sens"])  # fmt: skip
                assert key in lines, f"{path.name}: a line no entry file carries: {key}"
                if row["evenement"] == "lettre":
                    lines[key] = row["lettre"]
                elif lines[key] == row["lettre"]:
                    lines[key] = ""
                applied[row["evenement"]] += 1
    return lines, applied


def groups(lines: dict[Key, str]) -> dict[tuple[str, str], Decimal]:
    """Per (auxiliary account, letter): debit less credit of the lines lettered so."""
    out: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (_, _, _, aux, _, amount, side), code in lines.items():
        if code:
            out[(aux, code)] += amount if side == "D" else -amount
    return dict(out)
