"""The shapes of the demo's data: the referential files' headers, a referential row and when it was known,
the whole association in memory (`DemoData`), and the cells of its CSV files."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

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
    "mandats.csv": ["code_financeur", "iban", "bic", "rum", "date_signature", "date_fin", "sequence"],
    "previsions.csv": ["code_etablissement", "annee", "journees_previsionnelles", "taux_occupation_cible"],
}


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
