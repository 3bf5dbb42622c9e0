"""The association's structure: its establishments (the demo's six, or the `large` plan), the payers (the
départements and the CPAM), and the daily rates over three years (provisional, late definitive, a mid-year
change, a definitive rate lower than the provisional one). A part of the demo's builder (generator._Builder):
`self.rng`, `self.scale`, `self.ref`, `self.establishments` and `self.story` are set there."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from demo.identities import luhn_number, random_address, random_iban, rng_town
from demo.records import Dated

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


# about 12,000 places in 200 establishments, in the demo's proportions: kind, count, capacity
LARGE_PLAN = [("FH", 34, 56), ("FV", 34, 57), ("FAM", 30, 50), ("MAS", 30, 57), ("IME", 36, 64), ("ESAT", 36, 54)]


class Structure:
    """The establishments, the payers and the rates."""

    def build_establishments(self, factor: float = 1.0) -> None:
        """The demo's six establishments, or the large plan with its counts scaled by `factor` (the
        benchmarks' sized associations; capacities kept)."""
        if self.scale == "demo":
            self.establishments = list(DEMO_ESTABLISHMENTS)
        else:
            for kind, count, capacity in LARGE_PLAN:
                for i in range(1, max(1, round(count * factor)) + 1):
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
                        luhn_number(self.rng, "66", 9),
                        luhn_number(self.rng, "7", 14),
                        capacity,
                        random_address(self.rng),
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
                        luhn_number(self.rng, "22", 14),
                        "AIDE-SOCIALE-ESMS",
                        address,
                        random_iban(self.rng),
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
                    luhn_number(self.rng, "18", 14),
                    "ESMS-PH",
                    address,
                    random_iban(self.rng),
                    30,
                    code,
                )
            )
        )

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
