"""The settings file `parametrage.yaml` as typed models (the file itself is read by settings_file.py).

Every key has a default except `association` (docs/contract.md). A missing, unknown or mistyped key fails the
models' validation, which settings_file.py turns into a `SettingsError` naming the key and the problem, in the
operator's language.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assets.common.fields import ics_is_valid

PAYER_TYPES = ("departement", "assurance_maladie", "usager", "autre")
ESTABLISHMENT_TYPES = ("FH", "FV", "FAM", "MAS", "IME", "SESSAD", "ESAT", "SAVS", "SAMSAH")

Cents = Annotated[Decimal, Field(decimal_places=2, max_digits=18)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Association(_Model):
    """The association as its documents name it. `siren` (default: the first 9 digits of the SIRET) is its legal
    and tax registration in the Factur-X XML; `tva`, its VAT number when it has one (an association exempt
    under article 261-7-1°-b of the CGI usually has none), is written there too (EN 16931 BT-31)."""

    nom: str
    siret: str
    adresse: str
    iban: str
    bic: str
    siren: str | None = None
    tva: str | None = None

    @field_validator("siret")
    @classmethod
    def _siret(cls, v: str) -> str:
        v = v.replace(" ", "")
        if not (v.isdigit() and len(v) == 14):
            raise ValueError("un SIRET a 14 chiffres")
        return v

    @field_validator("siren")
    @classmethod
    def _siren(cls, v: str | None) -> str | None:
        if v is None:
            return None
        v = v.replace(" ", "")
        if not (v.isdigit() and len(v) == 9):
            raise ValueError("un SIREN a 9 chiffres")
        return v

    @field_validator("tva")
    @classmethod
    def _tva(cls, v: str | None) -> str | None:
        """An intra-community VAT number: two letters of country then 2 to 12 characters; a French one is FR,
        a 2-digit key and the SIREN, the key being (12 + 3 × (SIREN mod 97)) mod 97."""
        if v is None or not v.strip():
            return None
        v = v.replace(" ", "").replace(".", "").upper()
        if not re.fullmatch(r"[A-Z]{2}[0-9A-Z+*]{2,12}", v):
            raise ValueError("numéro de TVA intracommunautaire attendu : code pays puis 2 à 12 caractères")
        if v.startswith("FR"):
            if not re.fullmatch(r"FR\d{11}", v):
                raise ValueError("un numéro de TVA français s'écrit FR, une clé de 2 chiffres et le SIREN")
            if int(v[2:4]) != (12 + 3 * (int(v[4:]) % 97)) % 97:
                raise ValueError(f"clé du numéro de TVA {v} fausse pour le SIREN {v[4:]}")
        return v

    @model_validator(mode="after")
    def _same_siren(self) -> Association:
        siren = self.siren or self.siret[:9]
        if self.siren and not self.siret.startswith(self.siren):
            raise ValueError(f"le SIRET {self.siret} ne commence pas par le SIREN {self.siren}")
        if self.tva and self.tva.startswith("FR") and self.tva[4:] != siren:
            raise ValueError(f"le numéro de TVA {self.tva} n'est pas celui du SIREN {siren}")
        return self

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

    jusqu_a: int | None = Field(default=None, ge=1, le=3660)  # stored as a 32-bit day position
    base: Literal["plein", "moins_fjh", "zero"]


def _check_tiers(tiers: list[Tier]) -> list[Tier]:
    if not tiers:
        raise ValueError("au moins un palier est nécessaire")
    bounds = [t.jusqu_a for t in tiers[:-1]]
    if any(b is None for b in bounds):
        raise ValueError("seul le dernier palier peut être sans « jusqu_a »")
    known = [b for b in bounds if b is not None]
    if known != sorted(set(known)):
        raise ValueError("les paliers doivent avoir des « jusqu_a » croissants")
    if tiers[-1].jusqu_a is not None:
        raise ValueError("le dernier palier ne doit pas avoir de « jusqu_a » (il couvre le reste)")
    return tiers


class AbsencePolicy(_Model):
    """How hospitalisation (H) and personal absence (C) days are valued (docs/rules.md B5, B7, B8)."""

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
    operations_diverses: str = "OD"  # write-offs


DEFAULT_PRODUITS = {"departement": "7342", "assurance_maladie": "7311", "usager": "7352", "autre": "7388"}


class Accounts(_Model):
    """Accounts of the entry files (docs/rules.md "Accounting entries"); the accountant supplies the 73x."""

    clients: str = "411"
    banque: str = "512"
    caisse: str = "530"  # cash received in the establishments (manual receipts, mode especes)
    attente: str = "4711"
    non_valeur: str = "654"  # pertes sur créances irrécouvrables: the write-offs decided by the director
    # revenue account per payer type, optionally refined per establishment type ("departement.FH")
    produits: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_PRODUITS))
    journaux: Journals = Journals()

    @field_validator("produits", mode="before")
    @classmethod
    def _produits_defaults(cls, v: object) -> object:
        # the accounts given replace or refine the defaults: one account changed is one line of settings
        return {**DEFAULT_PRODUITS, **v} if isinstance(v, dict) else v

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
    """Reminder levels per payer type (docs/rules.md "Receivables and dunning")."""

    departement: DunningPolicy = _dunning(_PUBLIC_LEVELS)
    assurance_maladie: DunningPolicy = _dunning(_PUBLIC_LEVELS)
    autre: DunningPolicy = _dunning(_PUBLIC_LEVELS)
    usager: DunningPolicy = _dunning(_PRIVATE_LEVELS)

    @model_validator(mode="before")
    @classmethod
    def _levels_defaults(cls, v: object) -> object:
        # a payer type given without its levels keeps its default ones (its contentieux delay alone changed)
        if not isinstance(v, dict):
            return v
        out = dict(v)
        for name, policy in v.items():
            if name in PAYER_TYPES and isinstance(policy, dict) and "niveaux" not in policy:
                levels = _PRIVATE_LEVELS if name == "usager" else _PUBLIC_LEVELS
                out[name] = {**policy, "niveaux": [dict(lv) for lv in levels]}
        return out

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
            raise ValueError(f"encodage inconnu « {v[:40]} »") from None
        return v


class Smtp(_Model):
    hote: str
    port: int = Field(default=25, ge=1, le=65535)
    expediteur: str
    utilisateur: str | None = None
    mot_de_passe: str | None = None
    starttls: bool = False


class Alerts(_Model):
    smtp: Smtp | None = None
    destinataires: list[str] = Field(default_factory=list)


class Retention(_Model):
    """How long the outputs of a month (sorties/AAAA-MM) are kept after the month's end: ten years, as
    accounting records and their supporting documents (Code de commerce, art. L123-22); not less."""

    annees: int = Field(default=10, ge=10, le=100)


class MassCredits(_Model):
    """The mass credit guard (docs/rules.md "Validation before issuing"): the credit notes one close would issue to one
    payer are held when they exceed both `part` % of what it was billed for the month before and `montant`."""

    part: Decimal = Field(default=Decimal("20"), ge=0, le=100)
    montant: Decimal = Field(default=Decimal("10000.00"), ge=0)


class Sepa(_Model):
    """SEPA direct debits and credit transfers (docs/rules.md "Receivables and dunning"). `ics`: the
    association's creditor identifier, needed once a payer has a mandate; a collection falls on the
    `jour_prelevement` of the month after the invoice's issue, never less than `prenotification_jours` after it
    (the invoice announces it); after `rejets_avant_suspension` returns, a mandate is suspended."""

    ics: str | None = None
    jour_prelevement: int = Field(default=10, ge=1, le=28)
    prenotification_jours: int = Field(default=14, ge=2, le=60)
    rejets_avant_suspension: int = Field(default=2, ge=1, le=12)

    @field_validator("ics")
    @classmethod
    def _ics(cls, v: str | None) -> str | None:
        if v is not None and not ics_is_valid(v):
            raise ValueError("identifiant créancier SEPA invalide (forme FR12ZZZ123456, clé de contrôle)")
        return v.strip().upper() if v else v


class Credits(_Model):
    """Payers' credits (docs/rules.md "Receivables and dunning"): applied to their open invoices at each close,
    per payer type (`imputation`, default every type); refunded by credit transfer once older than
    `remboursement_jours`."""

    imputation: dict[str, bool] = Field(default_factory=lambda: dict.fromkeys(PAYER_TYPES, True))
    remboursement_jours: int = Field(default=60, ge=1, le=3660)

    @field_validator("imputation", mode="before")
    @classmethod
    def _imputation(cls, v: object) -> object:
        if isinstance(v, dict):
            unknown = [k for k in v if k not in PAYER_TYPES]
            if unknown:
                raise ValueError(f"type de financeur inconnu : {', '.join(map(str, unknown))}")
            return {**dict.fromkeys(PAYER_TYPES, True), **v}
        return v


class Reports(_Model):
    """The director's reports (docs/rules.md "Monthly reports"): an establishment whose days billed year to date
    fall more than `seuil_sous_activite` % under its forecast prorated is flagged, and warned of."""

    seuil_sous_activite: Decimal = Field(default=Decimal("3"), ge=0, le=100)


class Settings(_Model):
    association: Association
    premier_mois: str | None = None  # AAAA-MM: the association's first month in Recettes (else its first activity)
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
    conservation: Retention = Retention()
    avoirs_massifs: MassCredits = MassCredits()
    sepa: Sepa = Sepa()
    credits: Credits = Credits()
    rapports: Reports = Reports()

    @field_validator("premier_mois")
    @classmethod
    def _first_month(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", v):
            raise ValueError("mois attendu au format AAAA-MM (par exemple 2024-11)")
        return v

    @field_validator("fjh")
    @classmethod
    def _fjh_sorted(cls, v: list[FjhPeriod]) -> list[FjhPeriod]:
        if not v:
            raise ValueError("au moins un montant de forfait journalier est nécessaire")
        dates = [p.depuis for p in v]
        if dates != sorted(set(dates)):
            raise ValueError("les dates « depuis » doivent être strictement croissantes")
        return v

    @field_validator("absences", mode="before")
    @classmethod
    def _absences_defaults(cls, v: object) -> object:
        # a payer type given with one kind of absence keeps its default tiers for the other
        if not isinstance(v, dict):
            return v
        out = dict(v)
        for key, policy in v.items():
            if key in DEFAULT_ABSENCES and isinstance(policy, dict):
                out[key] = {**DEFAULT_ABSENCES[key].model_dump(), **policy}
        return out

    @field_validator("absences")
    @classmethod
    def _absences(cls, v: dict[str, AbsencePolicy]) -> dict[str, AbsencePolicy]:
        # keys are payer types (overriding the defaults) or payer codes (one payer's own policy, in capitals as
        # the referential stores them); a payer type misspelt would never apply, silently
        codes = {}
        for key, policy in v.items():
            if key in PAYER_TYPES:
                codes[key] = policy
                continue
            near = difflib.get_close_matches(key.lower(), PAYER_TYPES, n=1, cutoff=0.75)
            if near or not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", key):
                raise ValueError(
                    f"clé « {key} » : ni un type de financeur ({', '.join(PAYER_TYPES)}) ni un code de financeur"
                    + (f" (« {near[0]} » ?)" if near else "")
                )
            if key.upper() in codes:
                raise ValueError(f"clé « {key} » : le code {key.upper()} a déjà sa politique")
            codes[key.upper()] = policy
        return {**DEFAULT_ABSENCES, **codes}

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
