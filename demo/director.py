"""The demo's finance director: the invoices the cell sends as "contentieux" (sorties/AAAA-MM/recouvrement/
contentieux.csv, read as any reader of our outputs would) and still unpaid two months later are written off when
a resident owes them ("admission en non-valeur"): a decision per invoice in entrees/relances/non_valeurs.csv,
read by the next close, for the amount the file gave as due less what was received since (the month's
lettrage/rapprochements.csv, returns included, and the credit notes of its factures/registre.csv), dated the
close day; an invoice paid since is not written off. Each invoice once. The public payers' files are followed
otherwise (a département pays in the end): no write-off for them. Nothing random."""

from __future__ import annotations

import csv
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

from assets.common.months import add_months

HEADER = "numero_facture;montant;date_decision;motif"
MOTIF = "créance irrécouvrable – décision du directeur"
WAIT = 2  # months in contentieux before the decision
MONTH = re.compile(r"\d{4}-\d{2}")


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig") as f:
        return list(csv.DictReader(f, delimiter=";"))


def _amount(text: str | None) -> Decimal | None:
    return Decimal(text.replace(",", ".").replace("\u202f", "").replace(" ", "")) if text and text.strip() else None


class Director:
    def __init__(self) -> None:
        self.sent: dict[str, tuple[str, str, Decimal | None]] = {}  # invoice -> first month listed, latest, due
        self.done: set[str] = set()  # written off, or paid since
        self.rows: list[str] = []  # non_valeurs.csv

    def after_close(self, home: Path, month: str, close_day: dt.date) -> int:
        """Read the month's contentieux, decide on those sent two months ago or more; returns the decisions."""
        sorties = home / "sorties"
        for r in _rows(sorties / month / "recouvrement" / "contentieux.csv"):
            number, payer = r.get("numero", ""), r.get("code_financeur", "")
            if r.get("motif", "contentieux") != "contentieux" or not payer.startswith("U") or number in self.done:
                continue
            first = self.sent[number][0] if number in self.sent else month
            self.sent[number] = (first, month, _amount(r.get("montant_du")))
        added = 0
        # an invoice the cell is placing a receipt on (a decision the next close applies) waits for it
        decided = _rows(home / "entrees" / "relances" / "lettrage_manuel.csv")
        applied = {
            r["id_ligne_bancaire"]
            for path in sorted(sorties.glob("*/lettrage/rapprochements.csv"))
            for r in _rows(path)
            if r.get("regle") == "manuel"
        } if decided else set()  # fmt: skip
        placing = {r.get("numero_facture", "") for r in decided if r.get("id_ligne_bancaire") not in applied}
        for number, (first, listed, due) in sorted(self.sent.items()):
            if add_months(first, WAIT) > month or number in placing:
                continue
            still = self._still_due(sorties, number, listed, month, due)
            del self.sent[number]
            self.done.add(number)
            if still > 0:
                self.rows.append(f"{number};{str(still).replace('.', ',')};{close_day:%d/%m/%Y};{MOTIF}")
                added += 1
        if added:
            folder = home / "entrees" / "relances"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "non_valeurs.csv").write_text("\n".join([HEADER, *self.rows]) + "\n", encoding="utf-8")
        return added

    @staticmethod
    def _still_due(sorties: Path, number: str, listed: str, month: str, due: Decimal | None) -> Decimal:
        """What `number` still owes after the close of `month`: `due` (as the contentieux of `listed` gave it)
        less the receipts and credit notes recorded by the closes after `listed`. A file giving no amount:
        the invoice's amount less every receipt and credit note recorded for it."""
        since = listed if due is not None else ""
        months = sorted(p.name for p in sorties.iterdir() if MONTH.fullmatch(p.name) and since < p.name <= month)
        if due is None:
            due = sum(
                (
                    _amount(r["montant"]) or Decimal("0")
                    for m in months
                    for r in _rows(sorties / m / "factures" / "registre.csv")
                    if r["numero"] == number and r["type"] == "facture"
                ),
                Decimal("0"),
            )
        for m in months:
            for r in _rows(sorties / m / "lettrage" / "rapprochements.csv"):
                if r["numero_facture"] == number:
                    due -= _amount(r["montant_affecte"]) or Decimal("0")
            for r in _rows(sorties / m / "factures" / "registre.csv"):
                if r["type"] == "avoir" and r.get("numero_facture_origine") == number:
                    due += _amount(r["montant"]) or Decimal("0")  # negative: lowers what is due
        return due
