"""The settings file `parametrage.yaml`, loaded into typed models.

Every key has a default except `association` (CONTRACT.md). A missing, unknown or mistyped key gives a
`SettingsError` naming the key and the problem, in the operator's language.

The YAML is read by a safe loader that also refuses, with the line and column: a key written twice in one
mapping, nesting deeper than `MAX_DEPTH`, anchors and aliases that would expand to more than `MAX_NODES`
values (or into themselves), control characters and lone surrogates in a value, and a value its tag cannot
make (`2026-13-45`, `!!int abc`). A file over `MAX_BYTES` is refused before it is read.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError

from assets.common.csvfile import printable
from assets.common.inputs import read_inside

PAYER_TYPES = ("departement", "assurance_maladie", "usager", "autre")
ESTABLISHMENT_TYPES = ("FH", "FV", "FAM", "MAS", "IME", "SESSAD", "ESAT", "SAVS", "SAMSAH")

Cents = Annotated[Decimal, Field(decimal_places=2, max_digits=18)]

MAX_BYTES = 1024 * 1024  # a settings file is a few KB
MAX_DEPTH = 32  # the settings nest five levels deep
MAX_NODES = 100_000  # values once anchors and aliases are expanded; a settings file has a few hundred
MAX_ERRORS = 20  # wrong keys listed in one message


class SettingsError(ValueError):
    """The settings file is unreadable or one of its keys is wrong."""


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


DEFAULT_PRODUITS = {"departement": "7342", "assurance_maladie": "7311", "usager": "7352", "autre": "7388"}


class Accounts(_Model):
    """Accounts of the entry files (DOMAIN.md "Accounting entries"); the accountant supplies the 73x."""

    clients: str = "411"
    banque: str = "512"
    caisse: str = "530"  # cash received in the establishments (manual receipts, mode especes)
    attente: str = "4711"
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
    """Reminder levels per payer type (DOMAIN.md "Receivables and dunning")."""

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
    """The mass credit guard (DOMAIN "Validation before issuing"): the credit notes one close would issue to one
    payer are held when they exceed both `part` % of what it was billed for the month before and `montant`."""

    part: Decimal = Field(default=Decimal("20"), ge=0, le=100)
    montant: Decimal = Field(default=Decimal("10000.00"), ge=0)


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
    conservation: Retention = Retention()
    avoirs_massifs: MassCredits = MassCredits()

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
    "finite_number": "nombre fini attendu",
}


def _describe(error: dict) -> str:
    loc = printable(".".join(str(p) for p in error["loc"]), 120) or "(racine)"
    message = _FRENCH.get(error["type"])
    if error["type"] == "literal_error":
        message = f"valeur non prévue, attendu : {error['ctx']['expected']}"
    elif error["type"] == "value_error":
        message = printable(str(error["ctx"]["error"]), 300)
    elif message is None:
        message = error["msg"]
    received = error.get("input")
    shown = repr(received)
    shown = shown if len(shown) <= 80 else shown[:79] + "…"
    shown = "" if error["type"] in ("missing",) or isinstance(received, dict | list) else f" (lu : {shown})"
    return f"clé « {loc} » : {message}{shown}"


_TAGS = {"timestamp": "date", "int": "nombre entier", "float": "nombre", "bool": "booléen", "binary": "base64"}
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")  # controls, lone surrogates


class _Loader(yaml.SafeLoader):
    """yaml.SafeLoader, with the refusals listed in the module's docstring."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ComposerError(
                    None, None, f"plus de {MAX_DEPTH} niveaux d'imbrication", self.peek_event().start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_document(self, node):
        _check_expansion(node)
        return super().construct_document(node)

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[tuple[str, str], yaml.Node] = {}
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    first = seen.setdefault((key.tag, key.value), key)
                    if first is not key:
                        raise ConstructorError(
                            None,
                            None,
                            f"clé « {key.value[:40]} » en double (déjà ligne {first.start_mark.line + 1})",
                            key.start_mark,
                        )
        return super().construct_mapping(node, deep=deep)

    def construct_scalar(self, node):
        value = super().construct_scalar(node)
        bad = _FORBIDDEN.search(value) if isinstance(value, str) else None
        if bad:
            raise ConstructorError(None, None, f"caractère interdit U+{ord(bad.group()):04X}", node.start_mark)
        return value

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
            # SafeConstructor lets these through for a value its tag cannot make ("2026-13-45", "!!int abc")
            what = node.tag.rsplit(":", 1)[-1]
            value = str(node.value)[:40] if isinstance(node, yaml.ScalarNode) else ""
            raise ConstructorError(
                None, None, f"valeur « {value} » illisible comme {_TAGS.get(what, what)}", node.start_mark
            ) from None


def _check_expansion(root: yaml.Node) -> None:
    """Refuse aliases that expand into themselves or to more than MAX_NODES values (the "billion laughs")."""
    size: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in size:
            continue
        children = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [item for pair in node.value for item in pair]
        if children_done:
            active.discard(id(node))
            size[id(node)] = 1 + sum(size[id(child)] for child in children)
            if size[id(node)] > MAX_NODES:
                raise ComposerError(None, None, f"alias développés en plus de {MAX_NODES} valeurs", node.start_mark)
            continue
        if id(node) in active:
            raise ComposerError(None, None, "alias qui se contient lui-même", node.start_mark)
        active.add(id(node))
        stack.append((node, True))
        for child in children:
            if id(child) in active:
                raise ComposerError(None, None, "alias qui se contient lui-même", child.start_mark)
            if id(child) not in size:
                stack.append((child, False))


def parse_settings(text: str, source: str = "parametrage.yaml") -> Settings:
    """Parse the YAML text of a settings file; raises SettingsError naming each wrong key."""
    try:
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader with more refusals
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        position = getattr(exc, "position", None)  # a ReaderError (a character YAML does not allow)
        if mark is None and isinstance(position, int):
            line = text.count("\n", 0, position) + 1
            where = f", ligne {line}, colonne {position - (text.rfind(chr(10), 0, position) + 1) + 1}"
        else:
            where = f", ligne {mark.line + 1}, colonne {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc)
        raise SettingsError(f"{source}{where} : YAML illisible ({problem})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SettingsError(f"{source} : un dictionnaire de clés est attendu à la racine")
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        lines = [f"{source} : {_describe(e)}" for e in errors[:MAX_ERRORS]]
        if len(errors) > MAX_ERRORS:
            lines.append(f"{source} : … et {len(errors) - MAX_ERRORS} autre(s) erreur(s)")
        raise SettingsError("\n".join(lines)) from None


def load_settings(path: Path) -> Settings:
    """Load `parametrage.yaml`; a missing, unreadable or oversized file is an error naming the path, and so
    is a link or a special file in its place (refused unopened: nothing outside the data folder is read)."""
    try:
        data = read_inside(path.parent, path.name, str(path), MAX_BYTES, SettingsError)
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise SettingsError(f"{path} : fichier de paramétrage introuvable") from None
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path} : le fichier doit être en UTF-8 (octet {exc.start})") from None
    except OSError as exc:
        raise SettingsError(f"{path} : illisible ({exc.strerror or exc})") from None
    return parse_settings(text, source=str(path))
