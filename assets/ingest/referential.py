"""The seven referential files (docs/contract.md): their columns, how each cell is read, and the
cross-file checks (a stay names a known resident and establishment, ...).

`parse_referential` is a plain function of the files' bytes: it returns one Polars frame per table,
the rows set aside with file, line, column and reason, and the files that could not be read at all.

Identifiers (docs/contract.md): a resident id or a payer code without its leading zeros (`178`, as Excel saves
`000178`) is the same resident or payer, in every file. Each is stored in one form: the form the warehouse
already holds (`known`), else the longest one the files write; two rows of one file that only their zeros
tell apart are one identifier written twice, set aside naming both lines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl

from assets.common.csvfile import Reject, UnreadableFile, read_table
from assets.common.fields import (
    BadValue,
    LostDigits,
    parse_amount,
    parse_choice,
    parse_code,
    parse_date,
    parse_finess,
    parse_iban,
    parse_int,
    parse_siret,
)
from assets.common.settings import ESTABLISHMENT_TYPES, PAYER_TYPES
from assets.ingest.referential_links import cross_check, settle_identifiers

STAY_MODES = ("internat", "internat_semaine", "semi_internat", "accueil_jour")
RATE_MODES = ("internat", "semi_internat")
DECISION_STATUSES = ("accordee", "en_instruction", "refusee")
RATE_NATURES = ("provisoire", "reconduit", "definitif")
DOTATION_TYPES = ("SESSAD", "ESAT", "SAVS", "SAMSAH")


def _choice(*choices: str) -> Callable[[str], str]:
    return lambda text: parse_choice(text, choices)


def _text(text: str) -> str:
    return text


# a daily rate or a monthly contribution of a million euros is a typing error; larger ones would also make
# the month's sums overflow the warehouse's DECIMAL(18, 2), which turns them into NULL without a word
MAX_AMOUNT = Decimal(1_000_000)
MAX_PAYMENT_DELAY = 365  # days, as `delai_paiement_jours` of the settings


def _bounded(value: Decimal) -> Decimal:
    if value >= MAX_AMOUNT:
        raise BadValue(f"montant de {MAX_AMOUNT} € ou plus : faute de saisie ?")
    return value


def _positive_amount(text: str) -> Decimal:
    value = parse_amount(text)
    if value <= 0:
        raise BadValue("montant strictement positif attendu")
    return _bounded(value)


def _non_negative_amount(text: str) -> Decimal:
    value = parse_amount(text)
    if value < 0:
        raise BadValue("montant positif ou nul attendu")
    return _bounded(value)


def _payment_delay(text: str) -> int:
    value = parse_int(text)
    if value > MAX_PAYMENT_DELAY:
        raise BadValue(f"délai de {MAX_PAYMENT_DELAY} jours au plus")
    return value


@dataclass(frozen=True)
class Column:
    """A column of an input file: its header name, its warehouse name and how a cell is read.

    `needed`: the column must be in the header. `mandatory`: a row without a valid value is set aside.
    `strict`: the cell may be empty, but a bad value sets the row aside (an unreadable end date must not
    turn into an open period). Otherwise a bad value is dropped, the row kept, and both are reported.
    """

    name: str
    target: str
    parse: Callable[[str], Any] = _text
    needed: bool = True
    mandatory: bool = True
    strict: bool = False
    dtype: Any = pl.String


@dataclass(frozen=True)
class FileSpec:
    file: str
    table: str
    columns: tuple[Column, ...]

    @property
    def required(self) -> set[str]:
        return {c.name for c in self.columns if c.needed}

    @property
    def schema(self) -> dict[str, Any]:
        return {c.target: c.dtype for c in self.columns} | {"src_line": pl.Int32}


DATE = pl.Date
MONEY = pl.Decimal(18, 2)

SPECS: tuple[FileSpec, ...] = (
    FileSpec(
        "etablissements.csv",
        "establishments",
        (
            Column("code_etablissement", "code", parse_code),
            Column("nom", "name"),
            Column("type", "type", _choice(*ESTABLISHMENT_TYPES)),
            Column("finess", "finess", parse_finess, needed=False, mandatory=False),
            Column("siret", "siret", parse_siret, needed=False, mandatory=False),
            Column("capacite", "capacity", parse_int, needed=False, mandatory=False, dtype=pl.Int32),
            Column("adresse", "address", needed=False, mandatory=False),
            Column("facturation", "billing", _choice("prix_journee", "dotation"), needed=False, mandatory=False),
        ),
    ),
    FileSpec(
        "financeurs.csv",
        "payers",
        (
            Column("code_financeur", "code", parse_code),
            Column("nom", "name"),
            Column("type", "type", _choice(*PAYER_TYPES)),
            Column("siret", "siret", parse_siret, needed=False, mandatory=False),
            Column("code_service", "service_code", needed=False, mandatory=False),
            Column("adresse", "address", needed=False, mandatory=False),
            Column("iban", "iban", parse_iban, needed=False, mandatory=False),
            Column(
                "delai_paiement_jours",
                "payment_delay_days",
                _payment_delay,
                needed=False,
                mandatory=False,
                dtype=pl.Int32,
            ),
            Column("compte_auxiliaire", "auxiliary_account", parse_code, needed=False, mandatory=False),
        ),
    ),
    FileSpec(
        "usagers.csv",
        "residents",
        (
            Column("id_usager", "id", parse_code),
            Column("nom", "last_name"),
            Column("prenom", "first_name"),
            Column("date_naissance", "birth_date", parse_date, needed=False, mandatory=False, dtype=DATE),
            Column("adresse", "address", needed=False, mandatory=False),
            Column("iban", "iban", parse_iban, needed=False, mandatory=False),
            Column("representant", "guardian", needed=False, mandatory=False),
        ),
    ),
    FileSpec(
        "sejours.csv",
        "stays",
        (
            Column("id_usager", "resident_id", parse_code),
            Column("code_etablissement", "establishment_code", parse_code),
            Column("date_entree", "entry_date", parse_date, dtype=DATE),
            Column("date_sortie", "exit_date", parse_date, mandatory=False, strict=True, dtype=DATE),
            Column("modalite", "mode", _choice(*STAY_MODES)),
        ),
    ),
    FileSpec(
        "prises_en_charge.csv",
        "funding_decisions",
        (
            Column("id_usager", "resident_id", parse_code),
            Column("code_financeur", "payer_code", parse_code),
            Column("code_etablissement", "establishment_code", parse_code),
            Column("date_debut", "start_date", parse_date, dtype=DATE),
            Column("date_fin", "end_date", parse_date, mandatory=False, strict=True, dtype=DATE),
            Column("statut", "status", _choice(*DECISION_STATUSES)),
            Column("reference_decision", "decision_ref", needed=False, mandatory=False),
            Column("numero_engagement", "commitment_number", needed=False, mandatory=False),
        ),
    ),
    FileSpec(
        "tarifs.csv",
        "rates",
        (
            Column("code_etablissement", "establishment_code", parse_code),
            Column("modalite", "rate_mode", _choice(*RATE_MODES)),
            Column("date_debut", "start_date", parse_date, dtype=DATE),
            Column("date_fin", "end_date", parse_date, mandatory=False, strict=True, dtype=DATE),
            Column("prix_journee", "daily_rate", _positive_amount, dtype=MONEY),
            Column("nature", "nature", _choice(*RATE_NATURES)),
        ),
    ),
    FileSpec(
        "contributions.csv",
        "contributions",
        (
            Column("id_usager", "resident_id", parse_code),
            Column("date_debut", "start_date", parse_date, dtype=DATE),
            Column("date_fin", "end_date", parse_date, mandatory=False, strict=True, dtype=DATE),
            Column("montant_mensuel", "monthly_amount", _non_negative_amount, dtype=MONEY),
        ),
    ),
)
SPEC_BY_FILE = {s.file: s for s in SPECS}


@dataclass(frozen=True)
class ReferentialParse:
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)  # table -> rows kept
    rejects: list[Reject] = field(default_factory=list)
    unreadable: dict[str, str] = field(default_factory=dict)  # file -> message
    encodings: dict[str, str] = field(default_factory=dict)
    rows_read: dict[str, int] = field(default_factory=dict)
    rows_rejected: dict[str, int] = field(default_factory=dict)


def parse_rows(spec: FileSpec, name: str, rows: list[tuple[int, dict[str, str]]]) -> tuple[list[dict], list[Reject]]:
    """Typed rows of one file; a bad mandatory cell sets the row aside, a bad optional cell is dropped."""
    kept: list[dict] = []
    rejects: list[Reject] = []
    for line, cells in rows:
        record: dict[str, Any] = {"src_line": line}
        problems: list[tuple[str, str, str, bool]] = []  # column, value, reason, mandatory
        for col in spec.columns:
            raw = cells.get(col.name, "")
            record[col.target] = None
            if raw == "":
                if col.mandatory:
                    problems.append((col.name, "", "valeur obligatoire absente", True))
                continue
            try:
                record[col.target] = col.parse(raw)
            except BadValue as exc:
                # digits lost to scientific notation: the row is not kept on a guess, even for an optional cell
                blocking = col.mandatory or col.strict or isinstance(exc, LostDigits)
                problems.append((col.name, raw[:200], str(exc), blocking))
        set_aside = any(mandatory for _, _, _, mandatory in problems)
        for column, value, reason, _ in problems:
            if set_aside:
                rejects.append(Reject(name, line, column, value, reason))
            else:
                rejects.append(
                    Reject(name, line, column, value, f"{reason} ; valeur ignorée, ligne conservée", kept=True)
                )
        if not set_aside:
            kept.append(record)
    return kept, rejects


def _defaults(table: str, records: list[dict]) -> None:
    if table == "establishments":
        for r in records:
            if r["billing"] is None:
                r["billing"] = "dotation" if r["type"] in DOTATION_TYPES else "prix_journee"
            if r["capacity"] is None:
                r["capacity"] = 0


def parse_referential(
    contents: dict[str, bytes | None],
    folder: str = "referentiel",
    known: dict[str, dict[str, str]] | None = None,
    paths: dict[str, str] | None = None,
) -> ReferentialParse:
    """Parse the seven files given as {file name: bytes or None when absent}; `known`: the forms of resident
    ids and payer codes the warehouse already holds ({"resident"|"payer": {identifier_key: form}}); `paths`:
    the file read in place of one, as messages name it (a workbook: "referentiel/usagers.xlsx"), when it is
    not folder/file name."""
    result = ReferentialParse()
    records: dict[str, list[dict]] = {}
    names: dict[str, str] = {}
    for spec in SPECS:
        name = (paths or {}).get(spec.file, f"{folder}/{spec.file}")
        names[spec.table] = name
        data = contents.get(spec.file)
        if data is None:
            result.unreadable[spec.file] = f"{name} : fichier absent"
            continue
        try:
            table = read_table(data, name, spec.required)  # a CSV, or a workbook in its place
            encoding = table.encoding
        except UnreadableFile as exc:
            result.unreadable[spec.file] = str(exc)
            continue
        result.encodings[spec.file] = encoding
        kept, rejects = parse_rows(spec, name, table.rows)
        _defaults(spec.table, kept)
        records[spec.table] = kept
        result.rejects.extend(table.rejects + rejects)
        result.rows_read[spec.file] = len(table.rows) + len(table.rejects)
    if result.unreadable:
        return result  # the referential is loaded as one consistent set, or not at all
    result.rejects.extend(settle_identifiers(records, names, known or {}))
    result.rejects.extend(cross_check(records, names))
    for spec in SPECS:
        result.frames[spec.table] = (
            pl.DataFrame(records[spec.table], schema=spec.schema, orient="row")
            if records[spec.table]
            else pl.DataFrame(schema=spec.schema)
        )
        path = names[spec.table]
        result.rows_rejected[spec.file] = len({r.line for r in result.rejects if r.path == path and not r.kept})
    return result
