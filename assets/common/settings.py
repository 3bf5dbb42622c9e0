"""The settings file `parametrage.yaml`, loaded into typed models.

Every key has a default except `association` (CONTRACT.md). A missing, unknown or mistyped key gives a
`SettingsError` naming the key and the problem, in the operator's language.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

PAYER_TYPES = ("departement", "assurance_maladie", "usager", "autre")
ESTABLISHMENT_TYPES = ("FH", "FV", "FAM", "MAS", "IME", "SESSAD", "ESAT", "SAVS", "SAMSAH")

Cents = Annotated[Decimal, Field(decimal_places=2, max_digits=18)]


class SettingsError(ValueError):
    """The settings file is unreadable or one of its keys is wrong."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Association(_Model):
    nom: str
    siret: str
    adresse: str
    iban: str
    bic: str
    siren: str | None = None

    @field_validator("siret")
    @classmethod
    def _siret(cls, v: str) -> str:
        v = v.replace(" ", "")
        if not (v.isdigit() and len(v) == 14):
            raise ValueError("un SIRET a 14 chiffres")
        return v

    @field_validator("iban")
    @classmethod
    def _iban(cls, v: str) -> str:
        from assets.common.fields import BadValue, parse_iban

        try:
            return parse_iban(v)
        except BadValue as exc:
            raise ValueError(str(exc)) from None


class FjhPeriod(_Model):
    """Forfait journalier hospitalier in force from `depuis`."""

    depuis: dt.date
    montant: Cents


class Tier(_Model):
    """One tier of an absence policy: days up to `jusqu_a` (inclusive) are valued on `base`."""

    jusqu_a: int | None = Field(default=None, ge=1)
    base: Literal["plein", "moins_fjh", "zero"]


def _check_tiers(tiers: list[Tier]) -> list[Tier]:
    if not tiers:
        raise ValueError("au moins un palier est nécessaire")
    bounds = [t.jusqu_a for t in tiers[:-1]]
    if any(b is None for b in bounds):
        raise ValueError("seul le dernier palier peut être sans « jusqu_a »")
    if bounds != sorted(set(bounds)):
        raise ValueError("les paliers doivent avoir des « jusqu_a » croissants")
    if tiers[-1].jusqu_a is not None:
        raise ValueError("le dernier palier ne doit pas avoir de « jusqu_a » (il couvre le reste)")
    return tiers


class AbsencePolicy(_Model):
    """How hospitalisation (H) and personal absence (C) days are valued (DOMAIN.md B5, B7, B8)."""

    hospitalisation: list[Tier]
    convenance: list[Tier]

    _v_h = field_validator("hospitalisation")(classmethod(lambda cls, v: _check_tiers(v)))
    _v_c = field_validator("convenance")(classmethod(lambda cls, v: _check_tiers(v)))


def _policy(h: list[dict], c: list[dict]) -> AbsencePolicy:
    return AbsencePolicy(hospitalisation=[Tier(**t) for t in h], convenance=[Tier(**t) for t in c])


DEFAULT_ABSENCES: dict[str, AbsencePolicy] = {
    "departement": _policy(
        [{"jusqu_a": 3, "base": "plein"}, {"base": "moins_fjh"}],
        [{"jusqu_a": 3, "base": "plein"}, {"jusqu_a": 35, "base": "moins_fjh"}, {"base": "zero"}],
    ),
    "assurance_maladie": _policy([{"base": "plein"}], [{"jusqu_a": 35, "base": "plein"}, {"base": "zero"}]),
    "usager": _policy([{"base": "plein"}], [{"base": "plein"}]),
    "autre": _policy(
        [{"jusqu_a": 3, "base": "plein"}, {"base": "moins_fjh"}],
        [{"jusqu_a": 3, "base": "plein"}, {"jusqu_a": 35, "base": "moins_fjh"}, {"base": "zero"}],
    ),
}


class Journals(_Model):
    ventes: str = "VT"
    banque: str = "BQ"


class Accounts(_Model):
    """Accounts of the entry files (DOMAIN.md "Accounting entries"); the accountant supplies the 73x."""

    clients: str = "411"
    banque: str = "512"
    caisse: str = "530"  # cash received in the establishments (manual receipts, mode especes)
    attente: str = "4711"
    # revenue account per payer type, optionally refined per establishment type ("departement.FH")
    produits: dict[str, str] = Field(
        default_factory=lambda: {
            "departement": "7342",
            "assurance_maladie": "7311",
            "usager": "7352",
            "autre": "7388",
        }
    )
    journaux: Journals = Journals()

    @field_validator("produits")
    @classmethod
    def _produits(cls, v: dict[str, str]) -> dict[str, str]:
        for key in v:
            payer_type, _, etab_type = key.partition(".")
            if payer_type not in PAYER_TYPES or (etab_type and etab_type not in ESTABLISHMENT_TYPES):
                raise ValueError(
                    f"clé « {key} » : attendu un type de financeur ({', '.join(PAYER_TYPES)}), "
                    "éventuellement suivi de « . » et d'un type d'établissement"
                )
        missing = [t for t in PAYER_TYPES if t not in v]
        if missing:
            raise ValueError(f"compte de produits manquant pour : {', '.join(missing)}")
        return v


class DunningLevel(_Model):
    code: Literal["relance1", "relance2", "mise_en_demeure"]
    delai_jours: int = Field(ge=0)
    canaux: list[Literal["courrier", "telephone", "recommande", "releve"]]


class DunningPolicy(_Model):
    niveaux: list[DunningLevel]
    contentieux_jours: int = Field(default=60, ge=0)


_PRIVATE_LEVELS = [
    {"code": "relance1", "delai_jours": 15, "canaux": ["courrier"]},
    {"code": "relance2", "delai_jours": 30, "canaux": ["courrier", "telephone"]},
    {"code": "mise_en_demeure", "delai_jours": 45, "canaux": ["recommande"]},
]
_PUBLIC_LEVELS = [
    {"code": "relance1", "delai_jours": 15, "canaux": ["releve"]},
    {"code": "relance2", "delai_jours": 30, "canaux": ["releve", "telephone"]},
]


def _dunning(levels: list[dict]) -> DunningPolicy:
    return DunningPolicy(niveaux=[DunningLevel(**lv) for lv in levels])


class Dunning(_Model):
    """Reminder levels per payer type (DOMAIN.md "Receivables and dunning")."""

    departement: DunningPolicy = _dunning(_PUBLIC_LEVELS)
    assurance_maladie: DunningPolicy = _dunning(_PUBLIC_LEVELS)
    autre: DunningPolicy = _dunning(_PUBLIC_LEVELS)
    usager: DunningPolicy = _dunning(_PRIVATE_LEVELS)

    @model_validator(mode="after")
    def _public_never_formal_notice(self) -> Dunning:
        for name in ("departement", "assurance_maladie", "autre"):
            if any(lv.code == "mise_en_demeure" for lv in getattr(self, name).niveaux):
                raise ValueError(f"{name} : un payeur public ne reçoit jamais de mise en demeure")
        return self


class Fec(_Model):
    separateur: Literal["|", "\t"] = "|"
    encodage: str = "iso-8859-15"

    @field_validator("encodage")
    @classmethod
    def _encoding(cls, v: str) -> str:
        import codecs

        try:
            codecs.lookup(v)
        except LookupError:
            raise ValueError(f"encodage inconnu « {v} »") from None
        return v


class Smtp(_Model):
    hote: str
    port: int = 25
    expediteur: str
    utilisateur: str | None = None
    mot_de_passe: str | None = None
    starttls: bool = False


class Alerts(_Model):
    smtp: Smtp | None = None
    destinataires: list[str] = Field(default_factory=list)


class Settings(_Model):
    association: Association
    mention_tva: str = "TVA non applicable – article 261-7-1°-b du CGI"
    fjh: list[FjhPeriod] = Field(
        default_factory=lambda: [
            FjhPeriod(depuis=dt.date(2018, 1, 1), montant=Decimal("20.00")),
            FjhPeriod(depuis=dt.date(2026, 3, 1), montant=Decimal("23.00")),
        ]
    )
    absences: dict[str, AbsencePolicy] = Field(default_factory=lambda: dict(DEFAULT_ABSENCES))
    regularisation_mois: int = Field(default=24, ge=0, le=120)
    delai_paiement_jours: int = Field(default=30, ge=0, le=365)
    comptes: Accounts = Accounts()
    relances: Dunning = Dunning()
    fec: Fec = Fec()
    alertes: Alerts = Alerts()

    @field_validator("fjh")
    @classmethod
    def _fjh_sorted(cls, v: list[FjhPeriod]) -> list[FjhPeriod]:
        if not v:
            raise ValueError("au moins un montant de forfait journalier est nécessaire")
        dates = [p.depuis for p in v]
        if dates != sorted(set(dates)):
            raise ValueError("les dates « depuis » doivent être strictement croissantes")
        return v

    @field_validator("absences")
    @classmethod
    def _absences(cls, v: dict[str, AbsencePolicy]) -> dict[str, AbsencePolicy]:
        # keys are payer types (overriding the defaults) or payer codes (one payer's own policy)
        return {**DEFAULT_ABSENCES, **v}

    def fjh_on(self, day: dt.date) -> Decimal:
        """The hospital daily charge in force on `day`."""
        amount = None
        for period in self.fjh:
            if period.depuis <= day:
                amount = period.montant
        if amount is None:
            raise ValueError(f"aucun forfait journalier n'est défini pour le {day:%d/%m/%Y}")
        return amount

    def absence_policy(self, payer_type: str, payer_code: str | None = None) -> AbsencePolicy:
        """A payer's own policy when the settings name its code, else its type's."""
        if payer_code and payer_code in self.absences:
            return self.absences[payer_code]
        return self.absences[payer_type]


_FRENCH = {
    "missing": "clé obligatoire absente",
    "extra_forbidden": "clé inconnue (faute de frappe ?)",
    "date_from_datetime_parsing": "date attendue au format AAAA-MM-JJ",
    "date_parsing": "date attendue au format AAAA-MM-JJ",
    "date_type": "date attendue au format AAAA-MM-JJ",
    "decimal_parsing": 'montant attendu (par exemple "20.00")',
    "decimal_max_places": "deux décimales au plus",
    "int_parsing": "nombre entier attendu",
    "int_type": "nombre entier attendu",
    "literal_error": "valeur non prévue",
    "string_type": "texte attendu",
    "list_type": "liste attendue",
    "dict_type": "dictionnaire attendu",
    "model_type": "dictionnaire attendu",
    "bool_parsing": "oui/non (true/false) attendu",
}


def _describe(error: dict) -> str:
    loc = ".".join(str(p) for p in error["loc"]) or "(racine)"
    message = _FRENCH.get(error["type"])
    if error["type"] == "literal_error":
        message = f"valeur non prévue, attendu : {error['ctx']['expected']}"
    elif error["type"] == "value_error":
        message = str(error["ctx"]["error"])
    elif message is None:
        message = error["msg"]
    received = error.get("input")
    shown = "" if error["type"] in ("missing",) or isinstance(received, dict | list) else f" (lu : {received!r})"
    return f"clé « {loc} » : {message}{shown}"


def parse_settings(text: str, source: str = "parametrage.yaml") -> Settings:
    """Parse the YAML text of a settings file; raises SettingsError naming each wrong key."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", ligne {mark.line + 1}, colonne {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SettingsError(f"{source}{where} : YAML illisible ({problem})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SettingsError(f"{source} : un dictionnaire de clés est attendu à la racine")
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        lines = [f"{source} : {_describe(e)}" for e in exc.errors(include_url=False)]
        raise SettingsError("\n".join(lines)) from None


def load_settings(path: Path) -> Settings:
    """Load `parametrage.yaml`; a missing file is an error naming the path."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SettingsError(f"{path} : fichier de paramétrage introuvable") from None
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path} : le fichier doit être en UTF-8 (octet {exc.start})") from None
    return parse_settings(text, source=str(path))
