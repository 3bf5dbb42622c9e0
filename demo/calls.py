"""The demo's phone calls: after each close, the billing cell works through the month's call list
(recouvrement/appels_a_passer.csv) in the following days and logs each call in entrees/relances/appels.csv,
as docs/contract.md describes it: some promise to pay by a date (some keep it, the payers' side decides), some
cannot be reached, a few dispute the invoice or say they already paid. About half the disputes are settled one
or two months later: a `litige_clos` call on the same invoice, after the close of that month, ends it. No names
in the log: the person reached is described by their role. Deterministic for a given seed."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from assets.common.months import add_months

HEADER = "date;cible;interlocuteur;resultat;date_promesse;montant_promis;commentaire"
OUTCOMES = [
    ("promesse", 0.40, "s'engage à régler"),
    ("injoignable", 0.30, "message laissé"),
    ("autre", 0.17, "rappeler la semaine prochaine"),
    ("litige", 0.07, "conteste le nombre de journées facturées"),
    ("deja_paye", 0.06, "dit avoir réglé par virement"),
]
SETTLED = 0.5  # the share of disputes closed later
SETTLED_COMMENT = "journées vérifiées avec l'établissement, la facture est due"


class CallCentre:
    def __init__(self, seed: int):
        self.rng = random.Random(f"{seed}-appels")
        self.rows: list[str] = []
        # the disputes to close: (month after whose close, invoice, who); its own generator, so that the calls
        # of the lists are drawn as before
        self.settling_rng = random.Random(f"{seed}-litiges-clos")
        self.to_settle: list[tuple[str, str, str]] = []

    def after_close(self, home: Path, month: str, close_day: dt.date) -> int:
        """Log the calls of the month's list, and those closing the disputes settled; returns how many."""
        settled = self.settle(month, close_day)
        tasks = home / "sorties" / month / "recouvrement" / "appels_a_passer.csv"
        if not tasks.exists() and not settled:
            return 0
        todo = []
        if tasks.exists():
            with tasks.open(encoding="utf-8-sig") as f:
                todo = list(csv.DictReader(f, delimiter=";"))
        for task in todo:
            day = close_day + dt.timedelta(days=self.rng.randint(1, 4))
            draw, result, comment = self.rng.random(), "autre", ""
            for name, weight, text in OUTCOMES:
                if draw < weight:
                    result, comment = name, text
                    break
                draw -= weight
            public = not task["code_financeur"].startswith("U")
            if result == "litige" and public:
                result, comment = "autre", "dossier en cours de mandatement"
            who = "service payeur" if public else self.rng.choice(["famille", "tuteur", "usager"])
            target = task["factures"].split()[0] if result == "litige" else task["code_financeur"]
            promise = amount = ""
            if result == "promesse":
                promise = f"{day + dt.timedelta(days=self.rng.randint(10, 20)):%d/%m/%Y}"
                amount = task["montant"]
            self.rows.append(f"{day:%d/%m/%Y};{target};{who};{result};{promise};{amount};{comment}")
            if result == "litige" and self.settling_rng.random() < SETTLED:
                self.to_settle.append((add_months(month, self.settling_rng.randint(1, 2)), target, who))
        folder = home / "entrees" / "relances"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "appels.csv").write_text("\n".join([HEADER, *self.rows]) + "\n", encoding="utf-8")
        return len(todo) + settled

    def settle(self, month: str, close_day: dt.date) -> int:
        """The calls closing the disputes settled by now (`litige_clos` on the disputed invoice); returns how
        many."""
        due = [t for t in self.to_settle if t[0] <= month]
        self.to_settle = [t for t in self.to_settle if t[0] > month]
        for _, target, who in due:
            day = close_day + dt.timedelta(days=self.settling_rng.randint(1, 4))
            self.rows.append(f"{day:%d/%m/%Y};{target};{who};litige_clos;;;{SETTLED_COMMENT}")
        return len(due)
