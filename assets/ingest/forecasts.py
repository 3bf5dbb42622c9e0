"""Activity forecasts: referentiel/previsions.csv (optional; docs/contract.md), read at each close with the
referential, the file being the reference (an absent file: no forecast; an unreadable one keeps the forecasts
read last). A row names a known establishment, a year, the days its rate was computed on (« journées
prévisionnelles », a whole number, thousands separators allowed) and optionally a target occupancy in %
(`95`, `95,5`, `95 %`); a bad row is set aside with line, column and reason, and an establishment given twice
for one year is an error of the file: both rows are set aside."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb
import polars as pl

from assets.common.csvfile import Reject
from assets.common.fields import BadValue, parse_code
from assets.common.warehouse import run_sql
from assets.ingest.optional_file import finish, parse_cells, read_optional, replace_rows

FORECASTS = "referentiel/previsions.csv"
SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "establishment_code": pl.String,
    "year": pl.Int32,
    "forecast_days": pl.Int32,
    "target_occupancy": pl.Decimal(5, 2),
    "src_line": pl.Int32,
}
_SPACES = re.compile(r"[\s\u00a0\u202f]")


def parse_days(text: str) -> int:
    """`10950`, `10 950` (a French Excel's thousands separator): a whole number of days, 1 to 1,000,000."""
    compact = _SPACES.sub("", text)
    if not re.fullmatch(r"[0-9]{1,7}", compact) or not 0 < int(compact) <= 1_000_000:
        raise BadValue("nombre entier de journées attendu (par exemple 10950)")
    return int(compact)


def parse_rate(text: str) -> Decimal:
    """`95`, `95,5`, `95 %`: a rate in %, above 1 and at most 100, two decimals at most."""
    compact = _SPACES.sub("", text).removesuffix("%").replace(",", ".")
    try:
        value = Decimal(compact) if re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,2})?", compact) else None
    except InvalidOperation:  # pragma: no cover - the pattern already guarantees a number
        value = None
    if value is None or not Decimal(1) < value <= Decimal(100):
        raise BadValue("taux en % attendu, entre 1 et 100 (par exemple 95 ou 95,5)")
    return value


def parse_year(text: str) -> int:
    if not re.fullmatch(r"(19|20)[0-9]{2}", text.strip()):
        raise BadValue("année attendue sur quatre chiffres (par exemple 2025)")
    return int(text)


def parse_forecasts(
    name: str, rows: list[tuple[int, dict[str, str]]], establishments: set[str]
) -> tuple[list[dict], list[Reject]]:
    """The forecasts kept and the rows set aside."""
    kept: list[dict] = []
    rejects: list[Reject] = []
    for line, cells in rows:
        record, problems = parse_cells(line, cells, (
            ("code_etablissement", "establishment_code", lambda v: _known(parse_code(v), establishments), True),
            ("annee", "year", parse_year, True),
            ("journees_previsionnelles", "forecast_days", parse_days, True),
            ("taux_occupation_cible", "target_occupancy", parse_rate, False),
        ))  # fmt: skip
        if problems:
            rejects += [Reject(name, line, column, value, reason) for column, value, reason in problems]
        else:
            kept.append(record)
    by_key: dict[tuple[str, int], list[int]] = {}
    for r in kept:
        by_key.setdefault((r["establishment_code"], r["year"]), []).append(r["src_line"])
    twice = {line: key for key, lines in by_key.items() if len(lines) > 1 for line in lines}
    for line, (code, year) in sorted(twice.items()):
        lines = ", ".join(map(str, by_key[(code, year)]))
        rejects.append(
            Reject(name, line, "code_etablissement", code, f"{code} {year} donné deux fois (lignes {lines})")
        )
    return [r for r in kept if r["src_line"] not in twice], rejects


def _known(code: str, establishments: set[str]) -> str:
    if code not in establishments:
        raise BadValue(f"établissement inconnu : {code}")
    return code


def load_forecasts(con: duckdb.DuckDBPyConnection, entrees: Path, now: dt.datetime) -> int | None:
    """Replaces `forecasts` with the file's rows; returns how many were kept (None: the file is unreadable and
    the forecasts read last stay)."""
    read = read_optional(con, entrees, FORECASTS, {"code_etablissement", "annee", "journees_previsionnelles"},
                         "referentiel", "previsions", None, now)  # fmt: skip
    if read is None:
        replace_rows(con, "forecasts", [], SCHEMA)
        return 0
    if read.rows is None:
        finish(con, read, 0)
        return None
    codes = {code for (code,) in run_sql(con, "billing/establishment_codes.sql")}
    kept, rejects = parse_forecasts(read.path, read.rows, codes)
    read.rejects += rejects
    replace_rows(con, "forecasts", kept, SCHEMA)
    finish(con, read, len(kept))
    return len(kept)
