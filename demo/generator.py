"""A realistic, deterministic demo association: referential, activity, and the way the referential
changes over time (a rate that arrives late, a pending file granted months later).

`generate(scale, seed)` builds everything in memory; `DemoData.referential_as_of(day)` gives the seven
referential files as the billing cell knew them on `day`, so that closing the months one after the
other replays what happened (provisional rates billed, then adjusted). Nothing here is random at run
time: the same scale and seed give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass, field
from decimal import Decimal

from schwifty import IBAN

from assets.common.months import add_months

FIRST_MONTH = dt.date(2024, 11, 1)
MONTHS = 24  # 2024-11 .. 2026-10
REFERENTIAL_HEADERS = {
    "etablissements.csv": [
        "code_etablissement",
        "nom",
        "type",
        "finess",
        "siret",
        "capacite",
        "adresse",
        "facturation",
    ],
    "financeurs.csv": [
        "code_financeur",
        "nom",
        "type",
        "siret",
        "code_service",
        "adresse",
        "iban",
        "delai_paiement_jours",
        "compte_auxiliaire",
    ],
    "usagers.csv": ["id_usager", "nom", "prenom", "date_naissance", "adresse", "iban", "representant"],
    "sejours.csv": ["id_usager", "code_etablissement", "date_entree", "date_sortie", "modalite"],
    "prises_en_charge.csv": [
        "id_usager",
        "code_financeur",
        "code_etablissement",
        "date_debut",
        "date_fin",
        "statut",
        "reference_decision",
        "numero_engagement",
    ],
    "tarifs.csv": ["code_etablissement", "modalite", "date_debut", "date_fin", "prix_journee", "nature"],
    "contributions.csv": ["id_usager", "date_debut", "date_fin", "montant_mensuel"],
}

LAST_NAMES = [
    "Martin",
    "Garcia",
    "Roig",
    "Puig",
    "Vidal",
    "Ferrer",
    "Bosch",
    "Serra",
    "Fabre",
    "Lopez",
    "Sanchez",
    "Mas",
    "Sala",
    "Pons",
    "Bonet",
    "Cazals",
    "Estève",
    "Galceran",
    "Jordà",
    "Llobet",
    "Marty",
    "Noguès",
    "Pujol",
    "Rière",
    "Sabaté",
    "Tixador",
    "Vilanova",
    "Xatart",
    "Batlle",
    "Coste",
    "Delonca",
    "Escudié",
    "Font",
    "Girbal",
    "Huguet",
    "Jammes",
    "Lafitte",
    "Mercader",
    "Nicolau",
    "Olive",
    "Parès",
    "Quintana",
    "Rovira",
    "Soler",
    "Thiers",
    "Ubach",
    "Verdaguer",
    "Bénézech",
    "Cœurdevey",
    "Dàvila",
    "Müller",
    "O'Neill",
    "Lefèvre",
    "Moreau",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
]
FIRST_NAMES = [
    "Jordi",
    "Montserrat",
    "Núria",
    "Pere",
    "Joan",
    "Marie",
    "Hélène",
    "Noémie",
    "Zoé",
    "Loïc",
    "Anaïs",
    "Jérôme",
    "Gaëlle",
    "François",
    "Céline",
    "Benoît",
    "Maëlys",
    "Raphaël",
    "Léa",
    "Chloé",
    "Lucas",
    "Hugo",
    "Emma",
    "Inès",
    "Théo",
    "Camille",
    "Nathan",
    "Manon",
    "Louis",
    "Jade",
    "Arthur",
    "Lina",
    "Jules",
    "Sarah",
    "Gabriel",
    "Éloïse",
    "Adam",
    "Rose",
    "Paul",
    "Alice",
    "Mathis",
    "Agnès",
    "Daniel",
    "Thérèse",
    "Michel",
    "Françoise",
    "Jean-Pierre",
    "Marie-Thérèse",
    "Rémi",
    "Cécile",
]
STREETS = [
    "rue des Amandiers",
    "avenue du Canigou",
    "rue Pierre Talrich",
    "chemin de la Fosseille",
    "boulevard Aristide Briand",
    "rue des Tanneries",
    "place de la République",
    "rue du Vallespir",
    "avenue des Pyrénées",
    "rue Jean Jaurès",
    "impasse des Mimosas",
    "route de Thuir",
]
TOWNS = [
    ("66000", "Perpignan"),
    ("66100", "Perpignan"),
    ("66300", "Thuir"),
    ("66400", "Céret"),
    ("66500", "Prades"),
    ("66600", "Rivesaltes"),
    ("66700", "Argelès-sur-Mer"),
    ("66200", "Elne"),
    ("66140", "Canet-en-Roussillon"),
    ("66160", "Le Boulou"),
    ("11000", "Carcassonne"),
    ("11100", "Narbonne"),
    ("34000", "Montpellier"),
    ("31000", "Toulouse"),
    ("09000", "Foix"),
]
DEPARTEMENTS = [  # code, name, address, share of the residents whose domicile de secours it is
    ("D66", "Département des Pyrénées-Orientales", "Hôtel du Département, 24 quai Sadi Carnot, 66000 Perpignan", 0.72),
    ("D11", "Département de l'Aude", "Allée Raymond Courrière, 11855 Carcassonne Cedex 9", 0.10),
    ("D34", "Département de l'Hérault", "1977 avenue des Moulins, 34087 Montpellier Cedex 4", 0.08),
    ("D31", "Département de la Haute-Garonne", "1 boulevard de la Marquette, 31090 Toulouse Cedex 9", 0.06),
    ("D09", "Département de l'Ariège", "5-7 rue du Cap de la Ville, 09000 Foix", 0.04),
]
CPAM = (
    "CPAM66",
    "Caisse primaire d'assurance maladie des Pyrénées-Orientales",
    "Rue du Rioumajou, 66013 Perpignan Cedex 9",
)


@dataclass(frozen=True)
class EstablishmentKind:
    type: str
    name: str
    modes: tuple[tuple[str, float], ...]  # stay mode and its share of the places
    rates: dict[str, Decimal]  # rate mode -> 2024 daily rate
    payer: str  # departement, assurance_maladie or none (dotation)


KINDS = {
    "FH": EstablishmentKind(
        "FH", "Foyer d'hébergement", (("internat", 1.0),), {"internat": Decimal("152.40")}, "departement"
    ),
    "FV": EstablishmentKind(
        "FV",
        "Foyer de vie",
        (("internat", 0.75), ("accueil_jour", 0.25)),
        {"internat": Decimal("178.90"), "semi_internat": Decimal("98.50")},
        "departement",
    ),
    "FAM": EstablishmentKind(
        "FAM", "Foyer d'accueil médicalisé", (("internat", 1.0),), {"internat": Decimal("221.35")}, "departement"
    ),
    "MAS": EstablishmentKind(
        "MAS",
        "Maison d'accueil spécialisée",
        (("internat", 1.0),),
        {"internat": Decimal("268.70")},
        "assurance_maladie",
    ),
    "IME": EstablishmentKind(
        "IME",
        "Institut médico-éducatif",
        (("internat_semaine", 0.4), ("semi_internat", 0.6)),
        {"internat": Decimal("312.15"), "semi_internat": Decimal("189.60")},
        "assurance_maladie",
    ),
    "ESAT": EstablishmentKind(
        "ESAT", "Établissement et service d'aide par le travail", (("semi_internat", 1.0),), {}, "none"
    ),
}
DEMO_ESTABLISHMENTS = [  # code, kind, name, capacity
    ("FH01", "FH", "Foyer d'hébergement Les Albères", 44),
    ("FV01", "FV", "Foyer de vie Le Canigou", 42),
    ("FAM01", "FAM", "FAM La Tramontane", 32),
    ("MAS01", "MAS", "MAS Les Aspres", 45),
    ("IME01", "IME", "IME Les Oliviers", 60),
    ("ESAT01", "ESAT", "ESAT du Roussillon", 70),
]


@dataclass(frozen=True)
class Dated:
    """A referential row as known from `known_from` (until `known_until`, when a later row replaced it)."""

    row: tuple
    known_from: dt.date = dt.date(2000, 1, 1)
    known_until: dt.date | None = None


@dataclass
class DemoData:
    scale: str
    seed: int
    months: list[str]
    settings_yaml: str
    referential: dict[str, list[Dated]]
    activity: dict[str, dict[str, bytes]]  # month -> file name -> bytes
    corrections: dict[str, dict[str, bytes]] = field(default_factory=dict)  # corrected extracts
    story: list[str] = field(default_factory=list)  # what the demo shows, for the README and the CLI

    def referential_as_of(self, day: dt.date) -> dict[str, bytes]:
        files = {}
        for name, header in REFERENTIAL_HEADERS.items():
            rows = [
                d.row
                for d in self.referential[name]
                if d.known_from <= day and (d.known_until is None or day < d.known_until)
            ]
            files[name] = _csv(header, rows).encode("utf-8")
        return files


def _csv(header: list[str], rows: list[tuple]) -> str:
    out = io.StringIO()
    out.write(";".join(header) + "\n")
    for row in rows:
        out.write(";".join(_cell(v) for v in row) + "\n")
    return out.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    return str(value)


def month_key(first_day: dt.date) -> str:
    return f"{first_day:%Y-%m}"


def _luhn_number(rng: random.Random, prefix: str, length: int) -> str:
    """A number of `length` digits starting with `prefix` that passes the Luhn check (SIREN/SIRET)."""
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
    for last in range(10):
        candidate = body + str(last)
        total = 0
        for i, ch in enumerate(reversed(candidate)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


def _iban(rng: random.Random) -> str:
    bank = rng.choice(["30006", "10278", "13506", "16607", "30003", "11006"])
    account = "".join(str(rng.randrange(10)) for _ in range(11))
    return IBAN.generate(
        "FR", bank_code=bank, branch_code=f"{rng.randrange(100000):05d}", account_code=account
    ).formatted


def _address(rng: random.Random) -> str:
    postcode, town = rng.choice(TOWNS)
    return f"{rng.randrange(1, 120)} {rng.choice(STREETS)}, {postcode} {town}"


@dataclass
class _Stay:
    resident: str
    establishment: str
    kind: str
    mode: str
    entry: dt.date
    exit: dt.date | None
    weekend_home: float  # chance of going home (C) on a given weekend
    holidays: int  # days of personal absence in summer


class _Builder:
    def __init__(self, scale: str, seed: int):
        self.rng = random.Random(seed)
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

    # --- the association's structure -------------------------------------------------------------

    def build_establishments(self) -> None:
        if self.scale == "demo":
            self.establishments = list(DEMO_ESTABLISHMENTS)
        else:
            # about 12,000 places in 200 establishments, in the demo's proportions
            plan = [("FH", 34, 56), ("FV", 34, 57), ("FAM", 30, 50), ("MAS", 30, 57), ("IME", 36, 64), ("ESAT", 36, 54)]
            for kind, count, capacity in plan:
                for i in range(1, count + 1):
                    name = f"{KINDS[kind].name} {rng_town(self.rng)} {i}"
                    self.establishments.append((f"{kind}{i:02d}", kind, name, capacity))
        for code, kind, name, capacity in self.establishments:
            billing = "dotation" if kind == "ESAT" else "prix_journee"
            self.ref["etablissements.csv"].append(
                Dated(
                    (
                        code,
                        name,
                        kind,
                        _luhn_number(self.rng, "66", 9),
                        _luhn_number(self.rng, "7", 14),
                        capacity,
                        _address(self.rng),
                        billing,
                    )
                )
            )

    def build_payers(self) -> None:
        for code, name, address, _ in DEPARTEMENTS:
            self.ref["financeurs.csv"].append(
                Dated(
                    (
                        code,
                        name,
                        "departement",
                        _luhn_number(self.rng, "22", 14),
                        "AIDE-SOCIALE-ESMS",
                        address,
                        _iban(self.rng),
                        30 if code != "D31" else 45,
                        code,
                    )
                )
            )
        code, name, address = CPAM
        self.ref["financeurs.csv"].append(
            Dated(
                (
                    code,
                    name,
                    "assurance_maladie",
                    _luhn_number(self.rng, "18", 14),
                    "ESMS-PH",
                    address,
                    _iban(self.rng),
                    30,
                    code,
                )
            )
        )

    # --- residents, stays, decisions, contributions ------------------------------------------------

    def new_resident(self, adult: bool) -> str:
        rid = f"{self.next_resident:06d}"
        self.next_resident += 1
        rng = self.rng
        last, first = rng.choice(LAST_NAMES).upper(), rng.choice(FIRST_NAMES)
        age = rng.randint(20, 62) if adult else rng.randint(6, 19)
        birth = dt.date(2026 - age, rng.randint(1, 12), rng.randint(1, 28))
        guardian = ""
        if not adult:
            guardian = f"M. et Mme {last} (parents), {_address(rng)}"
        elif rng.random() < 0.45:
            guardian = rng.choice(
                [
                    "UDAF 66 – Service mandataire judiciaire, 8 rue Mailly, 66000 Perpignan",
                    "ATP 66 – Association tutélaire, 12 avenue de Prades, 66000 Perpignan",
                    f"{rng.choice(FIRST_NAMES)} {last} (curateur), {_address(rng)}",
                ]
            )
        iban = _iban(rng) if rng.random() < 0.6 else ""
        self.ref["usagers.csv"].append(Dated((rid, last, first, birth, _address(rng), iban, guardian)))
        self.resident_names[rid] = f"{last} {first}"
        return rid

    def departement_of_residence(self) -> str:
        r = self.rng.random()
        acc = 0.0
        for code, _, _, share in DEPARTEMENTS:
            acc += share
            if r < acc:
                return code
        return "D66"

    def build_population(self) -> None:
        rng = self.rng
        fh_residents: list[str] = []
        for code, kind_code, _, capacity in self.establishments:
            kind = KINDS[kind_code]
            for mode, share in kind.modes:
                places = max(1, round(capacity * share * 0.95))
                for _ in range(places):
                    # one place, occupied over time by a first resident and sometimes a successor
                    entry = min(dt.date(rng.randint(2012, 2024), rng.randint(1, 12), 1), dt.date(2024, 9, 1))
                    entry += dt.timedelta(days=rng.randint(0, 27))
                    reuse = kind_code == "ESAT" and fh_residents and rng.random() < 0.35
                    rid = fh_residents.pop() if reuse else self.new_resident(adult=kind_code != "IME")
                    exit_ = None
                    if rng.random() < 0.18:  # leaves during the period, mid-month
                        exit_ = self.start + dt.timedelta(days=rng.randint(20, 700))
                    self.add_stay(rid, code, kind_code, mode, entry, exit_)
                    if kind_code == "FH" and mode == "internat":
                        fh_residents.append(rid)
                    if exit_ is not None and exit_ < self.end - dt.timedelta(days=40):
                        successor = self.new_resident(adult=kind_code != "IME")
                        start = exit_ + dt.timedelta(days=rng.randint(5, 35))
                        self.add_stay(successor, code, kind_code, mode, start, None, newcomer=True)

    def add_stay(
        self,
        rid: str,
        etab: str,
        kind_code: str,
        mode: str,
        entry: dt.date,
        exit_: dt.date | None,
        newcomer: bool = False,
    ) -> None:
        rng = self.rng
        weekend_home = 0.0
        holidays = 0
        if mode == "internat" and kind_code in ("FH", "FV", "FAM"):
            weekend_home = rng.choice([0.0, 0.0, 0.1, 0.25, 0.5])
            holidays = rng.choice([0, 0, 7, 14, 21])
        elif mode == "internat" and kind_code == "MAS":
            weekend_home = rng.choice([0.0, 0.0, 0.0, 0.1])
            holidays = rng.choice([0, 0, 7, 14, 28])
        self.stays.append(_Stay(rid, etab, kind_code, mode, entry, exit_, weekend_home, holidays))
        self.ref["sejours.csv"].append(Dated((rid, etab, entry, exit_, mode)))
        self.add_decision(rid, etab, kind_code, mode, entry, exit_, newcomer)

    def add_decision(
        self, rid: str, etab: str, kind_code: str, mode: str, entry: dt.date, exit_: dt.date | None, newcomer: bool
    ) -> None:
        rng = self.rng
        kind = KINDS[kind_code]
        if kind.payer == "none":
            return
        rows = self.ref["prises_en_charge.csv"]
        end = None if exit_ is None else exit_ - dt.timedelta(days=1)
        ref = f"DEC-{rid}-{etab}"
        if kind.payer == "assurance_maladie":
            rows.append(Dated((rid, CPAM[0], etab, entry, end, "accordee", ref, "")))
            return
        payer = self.departement_of_residence()
        commitment = f"EJ{rng.randrange(10**8):08d}" if payer in ("D66", "D34") else ""
        r = rng.random()
        if newcomer and r < 0.45:
            # the aide-sociale file is examined for a few months: valued and held, then decided
            decided = entry + dt.timedelta(days=rng.randint(60, 170))
            if decided >= self.end - dt.timedelta(days=10):  # still under review when the demo ends
                rows.append(Dated((rid, payer, etab, entry, end, "en_instruction", ref, "")))
                return
            self.pending_files += 1
            refused = self.pending_files % 4 == 2  # one file in four is refused: the resident pays
            rows.append(Dated((rid, payer, etab, entry, end, "en_instruction", ref, ""), known_until=decided))
            rows.append(
                Dated(
                    (
                        rid,
                        payer,
                        etab,
                        entry,
                        end,
                        "refusee" if refused else "accordee",
                        ref,
                        "" if refused else commitment,
                    ),
                    known_from=decided,
                )
            )
            if not refused and mode == "internat":
                self.add_contribution(rid, entry, exit_, from_day=decided)
            return
        if r < 0.02:
            return  # no decision at all: the resident pays the full price
        if not newcomer and r < 0.07 and (exit_ is None or exit_ > dt.date(2025, 9, 1)):
            # the decision expires on 30/06/2025; its renewal is examined until the autumn
            renewal = dt.date(2025, 7, 1)
            decided = dt.date(2025, 10, 1) + dt.timedelta(days=rng.randint(0, 60))
            rows.append(Dated((rid, payer, etab, entry, renewal - dt.timedelta(days=1), "accordee", ref, commitment)))
            rows.append(
                Dated(
                    (rid, payer, etab, renewal, end, "en_instruction", ref + "-R", ""),
                    known_from=dt.date(2025, 6, 1),
                    known_until=decided,
                )
            )
            rows.append(Dated((rid, payer, etab, renewal, end, "accordee", ref + "-R", commitment), known_from=decided))
            if mode == "internat":
                self.add_contribution(rid, entry, exit_)
            return
        rows.append(Dated((rid, payer, etab, entry, end, "accordee", ref, commitment)))
        if mode == "internat":
            self.add_contribution(rid, entry, exit_)

    def add_contribution(
        self, rid: str, entry: dt.date, exit_: dt.date | None, from_day: dt.date = dt.date(2000, 1, 1)
    ) -> None:
        base = Decimal(self.rng.randrange(18000, 92000)) / 100
        rows = self.ref["contributions.csv"]
        # revalued every 1 January: a new row per calendar year of the stay
        last_day = exit_ - dt.timedelta(days=1) if exit_ else None
        for year in (2024, 2025, 2026):
            start = max(entry, dt.date(year, 1, 1))
            stop: dt.date | None = dt.date(year, 12, 31) if year < 2026 else None
            if last_day is not None:
                stop = min(stop, last_day) if stop else last_day
            if stop is not None and stop < start:
                continue
            amount = (base * (Decimal("1.017") ** (year - 2024))).quantize(Decimal("0.01"))
            rows.append(Dated((rid, start, stop, amount), known_from=max(from_day, dt.date(year - 1, 12, 15))))

    # --- rates: provisional, late definitive, mid-year change -----------------------------------------

    def build_rates(self) -> None:
        rows = self.ref["tarifs.csv"]
        late = {"FH01", "FV01", "FAM01"}
        for code, kind_code, _, _ in self.establishments:
            for rate_mode, base in KINDS[kind_code].rates.items():
                r2024 = base
                r2025 = (base * Decimal("1.021")).quantize(Decimal("0.01"))
                r2026 = (base * Decimal("1.043")).quantize(Decimal("0.01"))
                rows.append(Dated((code, rate_mode, dt.date(2024, 1, 1), dt.date(2024, 12, 31), r2024, "definitif")))
                # 2025: the previous rate goes on until the definitive rate is fixed, late in the year
                arrives = dt.date(2025, 6, 20) if code in late else dt.date(2025, 3, 10)
                rows.append(
                    Dated(
                        (code, rate_mode, dt.date(2025, 1, 1), None, r2024, "reconduit"),
                        known_from=dt.date(2024, 12, 15),
                        known_until=arrives,
                    )
                )
                rows.append(
                    Dated(
                        (code, rate_mode, dt.date(2025, 1, 1), dt.date(2025, 12, 31), r2025, "definitif"),
                        known_from=arrives,
                    )
                )
                if code == "FH01":
                    # 2026: a rate change in the middle of the year
                    rows.append(
                        Dated(
                            (code, rate_mode, dt.date(2026, 1, 1), dt.date(2026, 6, 30), r2025, "definitif"),
                            known_from=dt.date(2025, 12, 15),
                        )
                    )
                    rows.append(
                        Dated(
                            (code, rate_mode, dt.date(2026, 7, 1), None, r2026, "definitif"),
                            known_from=dt.date(2026, 6, 10),
                        )
                    )
                elif code == "IME01":
                    # 2026: the 2025 rate goes on, then the definitive rate comes lower: credit notes
                    lower = (r2025 * Decimal("0.985")).quantize(Decimal("0.01"))
                    rows.append(
                        Dated(
                            (code, rate_mode, dt.date(2026, 1, 1), None, r2025, "reconduit"),
                            known_from=dt.date(2025, 12, 15),
                            known_until=dt.date(2026, 9, 15),
                        )
                    )
                    rows.append(
                        Dated(
                            (code, rate_mode, dt.date(2026, 1, 1), None, lower, "definitif"),
                            known_from=dt.date(2026, 9, 15),
                        )
                    )
                else:
                    rows.append(
                        Dated(
                            (code, rate_mode, dt.date(2026, 1, 1), None, r2026, "definitif"),
                            known_from=dt.date(2025, 12, 15),
                        )
                    )
        self.story.append(
            "2025 : tarifs reconduits jusqu'à l'arrêté définitif (le 20/06/2025 pour FH01, "
            "FV01 et FAM01, le 10/03/2025 pour les autres) : factures complémentaires."
        )
        self.story.append(
            "2026 : FH01 change de tarif au 01/07/2026 ; le tarif définitif de l'IME01, connu le "
            "15/09/2026, est inférieur au tarif reconduit : avoirs de janvier à août."
        )

    # --- activity -----------------------------------------------------------------------------------

    def stay_codes(self, stay: _Stay) -> dict[dt.date, str]:
        """A code per day of the stay within the period (and sometimes the exit day, wrongly)."""
        rng = self.rng
        first = max(stay.entry, self.start)
        last = (stay.exit - dt.timedelta(days=1)) if stay.exit else self.end - dt.timedelta(days=1)
        codes: dict[dt.date, str] = {}
        day = first
        hospital_left = 0
        holiday_start = {y: dt.date(y, 7, rng.randint(1, 25)) for y in (2025, 2026)}
        day_service = stay.mode in ("semi_internat", "accueil_jour")
        weekly = stay.mode == "internat_semaine"
        while day <= last:
            weekend = day.weekday() >= 5
            august_closure = (day_service or weekly) and day.month == 8 and 4 <= day.day <= 22
            if hospital_left > 0:
                code = "H" if not (weekend and (day_service or weekly)) else "F"
                hospital_left -= 1
            elif (day_service or weekly) and (weekend or august_closure):
                code = "F"
            elif rng.random() < (0.004 if not day_service else 0.002):
                hospital_left = rng.choice([1, 2, 3, 4, 6, 9, 15, 24]) - 1
                code = "H"
            elif (
                stay.holidays
                and day.year in holiday_start
                and (0 <= (day - holiday_start[day.year]).days < stay.holidays)
            ):
                code = "C"
            elif weekend and stay.weekend_home and rng.random() < stay.weekend_home:
                code = "C"
            elif not weekend and rng.random() < (0.01 if day_service else 0.004):
                code = "C"
            else:
                code = "P"
            codes[day] = code
            day += dt.timedelta(days=1)
        if stay.exit and self.start <= stay.exit < self.end and rng.random() < 0.5:
            codes[stay.exit] = "P"  # the departure day marked present: outside the stay (B2)
        return codes

    def build_activity(self) -> dict[str, dict[str, bytes]]:
        per_month: dict[str, dict[str, list[tuple[str, dt.date, str]]]] = {m: {} for m in self.months}
        for stay in self.stays:
            for day, code in self.stay_codes(stay).items():
                m = month_key(day.replace(day=1))
                per_month[m].setdefault(stay.establishment, []).append((stay.resident, day, code))
        files: dict[str, dict[str, bytes]] = {}
        for m, by_etab in per_month.items():
            files[m] = {}
            for etab in sorted(by_etab):
                rows = sorted(by_etab[etab])
                files[m][f"activite_{etab}_{m}.csv"] = self.extract(etab, m, rows)
        return files

    def extract(self, etab: str, month: str, rows: list[tuple[str, dt.date, str]]) -> bytes:
        """An establishment's extract as it would send it: IME01 fills the monthly grid, FV01's Excel
        saves Windows-1252 with a name column; the others send the long form."""
        if etab.startswith("IME") and (self.scale == "demo" or int(etab[3:]) % 2 == 0):
            grid: dict[str, dict[int, str]] = {}
            for rid, day, code in rows:
                grid.setdefault(rid, {})[day.day] = code
            header = ["code_etablissement", "id_usager", "nom"] + [f"J{d:02d}" for d in range(1, 32)]
            lines = [";".join(header)]
            for rid in sorted(grid):
                cells = [grid[rid].get(d, "") for d in range(1, 32)]
                lines.append(";".join([etab, rid, self.resident_names[rid]] + cells))
            return ("\n".join(lines) + "\n").encode("utf-8")
        if etab == "FV01":
            lines = ["code_etablissement;id_usager;nom;date;code"]
            lines += [f"{etab};{rid};{self.resident_names[rid]};{day:%d/%m/%Y};{code}" for rid, day, code in rows]
            return ("\r\n".join(lines) + "\r\n").encode("windows-1252", errors="replace")
        lines = ["code_etablissement;id_usager;date;code"]
        lines += [f"{etab};{rid};{day.isoformat()};{code}" for rid, day, code in rows]
        return ("\n".join(lines) + "\n").encode("utf-8")

    def add_dirty_rows(self, activity: dict[str, dict[str, bytes]]) -> dict[str, dict[str, bytes]]:
        """The mistakes real extracts carry, each caught by a control; and one corrected extract."""
        corrections: dict[str, dict[str, bytes]] = {}

        def append(month: str, etab: str, line: str) -> None:
            name = f"activite_{etab}_{month}.csv"
            if name in activity.get(month, {}):
                activity[month][name] += (line + "\n").encode("utf-8")

        append("2025-02", "FH01", "FH01;009999;2025-02-14;P")  # a resident nobody knows
        append("2025-05", "MAS01", "MAS01;" + self.first_resident("MAS01") + ";2025-05-12;A")  # a bad code
        append("2026-01", "FH01", "FH01;" + self.first_resident("FH01") + ";2025-12-31;P")  # previous month
        name = "activite_FAM01_2025-09.csv"
        if name in activity.get("2025-09", {}):
            good = activity["2025-09"][name]
            last_line = good.decode("utf-8").rstrip("\n").rsplit("\n", 1)[1]
            etab, rid, day, code = last_line.split(";")
            doubled = good + f"{etab};{rid};{day};{'H' if code != 'H' else 'P'}\n".encode()
            activity["2025-09"][name] = doubled  # the same resident and day twice: the month is held
            corrections["2025-09"] = {name: good}
            self.story.append(
                "2025-09 : l'extrait du FAM01 porte deux fois le même usager le même jour ; "
                "le mois est bloqué jusqu'à l'extrait corrigé."
            )
        self.story.append(
            "Lignes écartées : un usager inconnu (FH01, 2025-02), un code « A » (MAS01, "
            "2025-05), une date du mois précédent (FH01, 2026-01)."
        )
        return corrections

    def first_resident(self, etab: str) -> str:
        return sorted(s.resident for s in self.stays if s.establishment == etab and s.exit is None)[0]


def rng_town(rng: random.Random) -> str:
    return rng.choice(TOWNS)[1]


def settings_yaml(rng: random.Random) -> str:
    siren = _luhn_number(rng, "77", 9)
    siret = _luhn_number(rng, siren, 14)
    return f"""# Paramétrage de l'association (CONTRACT.md). Toute clé absente prend sa valeur par défaut.
association:
  nom: "Association Roussillon Solidarité Handicap"
  siret: "{siret}"
  siren: "{siren}"
  adresse: "Siège – Cellule facturation, 3 avenue du Maréchal Leclerc, 66000 Perpignan"
  iban: "{_iban(rng)}"
  bic: "CCBPFRPPPPG"
mention_tva: "TVA non applicable – article 261-7-1°-b du CGI"
fjh:
  - {{depuis: 2018-01-01, montant: "20.00"}}
  - {{depuis: 2026-03-01, montant: "23.00"}}
regularisation_mois: 24
fec: {{separateur: "|", encodage: "iso-8859-15"}}
alertes: {{smtp: null, destinataires: []}}
"""


def generate(scale: str = "demo", seed: int = 66) -> DemoData:
    if scale not in ("demo", "large"):
        raise ValueError("scale is demo or large")
    b = _Builder(scale, seed)
    yaml_text = settings_yaml(b.rng)
    b.build_establishments()
    b.build_payers()
    b.build_population()
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
