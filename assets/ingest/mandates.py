"""SEPA direct-debit mandates: referentiel/mandats.csv (optional; docs/contract.md), read at each close with the
referential, the file being the reference (an absent file: no mandate; an unreadable one keeps the mandates read
last). A row names a known payer (`U` + a resident id for a resident as payer, whatever the zeros Excel dropped),
an IBAN schwifty accepts, a mandate reference (RUM, at most 35 characters of the SEPA set) unique in the file, a
signature date and optionally an end date and a sequence type; a bad row is set aside with line, column and
reason. A payer with two mandates valid at once is an error of the file: both rows are set aside."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import polars as pl

from assets.common.csvfile import Reject
from assets.common.fields import BadValue, identifier_key, parse_choice, parse_date, parse_iban
from assets.ingest.loading import payer_codes
from assets.ingest.optional_file import finish, parse_cells, read_optional, replace_rows

MANDATES = "referentiel/mandats.csv"
SEQUENCES = ("FRST", "RCUR")
_RUM = re.compile(r"[A-Za-z0-9+?/\-:().,' ]{1,35}")
_BIC = re.compile(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?")
SCHEMA = {
    "payer_code": pl.String,
    "iban": pl.String,
    "bic": pl.String,
    "rum": pl.String,
    "signed_on": pl.Date,
    "ends_on": pl.Date,
    "sequence": pl.String,
    "src_line": pl.Int32,
}


def _rum(text: str) -> str:
    if not _RUM.fullmatch(text):
        raise BadValue("référence unique de mandat : 1 à 35 caractères (lettres, chiffres, + ? / - : ( ) . , ')")
    return text


def _bic(text: str) -> str:
    value = text.replace(" ", "").upper()
    if not _BIC.fullmatch(value):
        raise BadValue("BIC invalide : 8 ou 11 caractères attendus")
    return value


def parse_mandates(
    name: str, rows: list[tuple[int, dict[str, str]]], codes: dict[str, str]
) -> tuple[list[dict], list[Reject]]:
    """The mandates kept and the rows set aside; `codes`: the payer codes known, by identifier_key."""
    kept: list[dict] = []
    rejects: list[Reject] = []
    for line, cells in rows:
        record, problems = parse_cells(line, cells, (
            ("code_financeur", "payer_code", lambda v: codes.get(identifier_key(v)) or _unknown(v), True),
            ("iban", "iban", parse_iban, True),
            ("bic", "bic", _bic, False),
            ("rum", "rum", _rum, True),
            ("date_signature", "signed_on", parse_date, True),
            ("date_fin", "ends_on", parse_date, False),
            ("sequence", "sequence", lambda v: parse_choice(v, SEQUENCES), False),
        ))  # fmt: skip
        if record["ends_on"] and record["signed_on"] and record["ends_on"] < record["signed_on"]:
            problems.append(("date_fin", cells.get("date_fin", ""), "date de fin avant la date de signature"))
        if problems:
            rejects += [Reject(name, line, column, value, reason) for column, value, reason in problems]
        else:
            kept.append(record)
    return _unique(name, kept, rejects)


def _unknown(value: str) -> str:
    raise BadValue(f"payeur inconnu : {value}")


def _unique(name: str, kept: list[dict], rejects: list[Reject]) -> tuple[list[dict], list[Reject]]:
    """A mandate reference names one mandate; a payer has one mandate at a time."""
    bad: dict[int, tuple[str, str, str]] = {}
    by_rum: dict[str, list[dict]] = {}
    for r in kept:
        by_rum.setdefault(r["rum"], []).append(r)
    for rum, same in by_rum.items():
        if len(same) > 1:
            lines = ", ".join(str(r["src_line"]) for r in same)
            for r in same:
                bad[r["src_line"]] = ("rum", rum, f"référence de mandat en double (lignes {lines})")
    by_payer: dict[str, list[dict]] = {}
    for r in kept:
        by_payer.setdefault(r["payer_code"], []).append(r)
    far = dt.date.max
    for payer, same in by_payer.items():
        for a in same:
            for b in same:
                if a is not b and a["signed_on"] <= (b["ends_on"] or far) and b["signed_on"] <= (a["ends_on"] or far):
                    bad.setdefault(
                        a["src_line"],
                        ("code_financeur", payer, f"deux mandats valides en même temps (lignes {a['src_line']}, "
                         f"{b['src_line']})"),
                    )  # fmt: skip
    rejects += [Reject(name, line, *why) for line, why in sorted(bad.items())]
    return [r for r in kept if r["src_line"] not in bad], rejects


def load_mandates(con: duckdb.DuckDBPyConnection, entrees: Path, now: dt.datetime, ics: str | None) -> int | None:
    """Replaces `mandates` with the file's rows; returns how many were kept (None: the file is unreadable and
    the mandates read last stay). Without the association's creditor identifier (`ics`, settings
    `sepa.ics`) nobody can be debited: the mandates are set aside, the file named."""
    read = read_optional(con, entrees, MANDATES, {"code_financeur", "iban", "rum", "date_signature"},
                         "referentiel", "mandats", None, now)  # fmt: skip
    if read is None:
        replace_rows(con, "mandates", [], SCHEMA)
        return 0
    if read.rows is None:
        finish(con, read, 0)
        return None
    kept, rejects = parse_mandates(read.path, read.rows, payer_codes(con))
    read.rejects += rejects
    if kept and not ics:
        why = "parametrage.yaml : sepa.ics (identifiant créancier SEPA) absent, aucun mandat n'est utilisé"
        read.rejects.append(Reject(read.path, None, None, None, why))
        kept = []
    replace_rows(con, "mandates", kept, SCHEMA)
    finish(con, read, len(kept))
    return len(kept)
