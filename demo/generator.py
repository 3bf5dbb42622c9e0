"""A realistic, deterministic demo association: referential, activity, and the way the referential
changes over time (a rate that arrives late, a pending file granted months later).

`generate(scale, seed)` builds everything in memory; `DemoData.referential_as_of(day)` gives the
referential files (the seven of the contract and the SEPA mandates) as the billing cell knew them on `day`, so
that closing the months one after the other replays what happened (provisional rates billed, then adjusted).
Nothing here is random at run time: the same scale and seed give the same bytes.

The builder's steps live by role: establishments.py (establishments, payers, rates), people.py (residents,
stays, decisions, contributions), activity.py (days, extracts, their mistakes); identities.py gives names,
places and numbers, records.py the data's shapes. demo/run.py plays the months one after the other.
"""

from __future__ import annotations

import datetime as dt
import random

from assets.common.months import add_months, month_key
from demo.activity import Activity
from demo.establishments import Structure
from demo.identities import luhn_number, random_iban
from demo.people import Population, _Stay
from demo.records import REFERENTIAL_HEADERS, Dated, DemoData

FIRST_MONTH = dt.date(2024, 11, 1)
MONTHS = 24  # 2024-11 .. 2026-10


class _Builder(Structure, Population, Activity):
    """The demo association, built step by step (generate): the structure, the people, the activity."""

    def __init__(self, scale: str, seed: int):
        self.rng = random.Random(seed)
        self.mandate_rng = random.Random(f"{seed}-mandats")  # the large world's extra mandates only
        self.scale = scale
        self.seed = seed
        self.start = FIRST_MONTH
        self.end = add_months(FIRST_MONTH, MONTHS)  # first day after the period
        self.months = [month_key(add_months(FIRST_MONTH, i)) for i in range(MONTHS)]
        self.ref: dict[str, list[Dated]] = {name: [] for name in REFERENTIAL_HEADERS}
        self.stays: list[_Stay] = []
        self.establishments: list[tuple[str, str, str, int]] = []
        self.next_resident = 1
        self.resident_names: dict[str, str] = {}
        self.story: list[str] = []
        self.pending_files = 0


def settings_yaml(rng: random.Random) -> str:
    siren = luhn_number(rng, "77", 9)
    siret = luhn_number(rng, siren, 14)
    return f"""# Paramétrage (docs/contract.md, « Settings »). Toute clé absente prend sa valeur par défaut.
association:
  nom: "Association Roussillon Solidarité Handicap"
  siret: "{siret}"
  siren: "{siren}"
  adresse: "Siège – Cellule facturation, 3 avenue du Maréchal Leclerc, 66000 Perpignan"
  iban: "{random_iban(rng)}"
  bic: "CCBPFRPPPPG"
mention_tva: "TVA non applicable – article 261-7-1°-b du CGI"
fjh:
  - {{depuis: 2018-01-01, montant: "20.00"}}
  - {{depuis: 2026-03-01, montant: "23.00"}}
regularisation_mois: 24
fec: {{separateur: "|", encodage: "iso-8859-15"}}
alertes: {{smtp: null, destinataires: []}}
sepa: {{ics: "FR93ZZZ661234"}}  # identifiant créancier SEPA : les usagers de mandats.csv sont prélevés
"""


def generate(scale: str = "demo", seed: int = 66) -> DemoData:
    if scale not in ("demo", "large"):
        raise ValueError("scale is demo or large")
    b = _Builder(scale, seed)
    yaml_text = settings_yaml(b.rng)
    b.build_establishments()
    b.build_payers()
    b.build_population()
    b.build_mandates()
    b.build_rates()
    activity = b.build_activity()
    corrections = b.add_dirty_rows(activity) if scale == "demo" else {}
    pending = sum(1 for d in b.ref["prises_en_charge.csv"] if d.row[5] == "en_instruction")
    b.story.append(f"{pending} dossier(s) d'aide sociale en instruction, décidés quelques mois plus tard.")
    return DemoData(scale, seed, b.months, yaml_text, b.ref, activity, corrections, b.story)


def write_settings(home, data: DemoData) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "parametrage.yaml").write_text(data.settings_yaml, encoding="utf-8")


def write_referential(home, data: DemoData, as_of: dt.date) -> None:
    folder = home / "entrees" / "referentiel"
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in data.referential_as_of(as_of).items():
        path = folder / name
        if not path.exists() or path.read_bytes() != content:
            path.write_bytes(content)


def write_activity(home, month: str, files: dict[str, bytes]) -> None:
    folder = home / "entrees" / "activite" / month
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)


def close_date(month: str) -> dt.date:
    """When the cell closes a month: the 5th of the next month."""
    first = dt.date(int(month[:4]), int(month[5:7]), 1)
    return add_months(first, 1).replace(day=5)


def write_all(home, data: DemoData) -> None:
    """Every input of the demo, with the referential as known after the last month was closed."""
    write_settings(home, data)
    write_referential(home, data, close_date(data.months[-1]))
    for month in data.months:
        write_activity(home, month, data.activity[month])
