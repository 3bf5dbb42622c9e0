"""Monthly activity extracts (docs/contract.md `activite/AAAA-MM/*.csv`), in long or grid form.

Long form: `code_etablissement; id_usager; date; code`, one row per day. Grid form (the usual monthly
attendance sheet): `code_etablissement; id_usager; J01; ...; J31`, one cell per day, empty = no row.
Plain functions: `parse_activity` reads one file, `validate_activity` checks the rows against the
referential, `hold_duplicates` applies docs/rules.md B1.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from assets.common.csvfile import Reject, UnreadableFile, check_rejects, printable, read_table
from assets.common.fields import BadValue, identifier_key, parse_code, parse_date
from assets.common.months import month_bounds

if TYPE_CHECKING:
    from polars._typing import SchemaDict

CODES = ("P", "H", "C", "F")
_GRID_COLUMN = re.compile(r"^j(\d{1,2})$")
ROW_SCHEMA: SchemaDict = {
    "source_line": pl.Int32,
    "source_column": pl.String,
    "establishment_code": pl.String,
    "resident_id": pl.String,
    "day": pl.Date,
    "code": pl.String,
}


@dataclass
class ActivityParse:
    path: str
    form: str  # long, grille
    encoding: str
    rows: list[tuple] = field(default_factory=list)  # in the order of ROW_SCHEMA
    rejects: list[Reject] = field(default_factory=list)

    @property
    def days_read(self) -> int:
        return len(self.rows) + len(self.rejects)


def _form(columns: list[str]) -> str:
    if "date" in columns or "code" in columns:
        return "long"
    if any(_GRID_COLUMN.match(c) for c in columns):
        return "grille"
    return "inconnue"


def parse_activity(data: bytes, name: str, month: str) -> ActivityParse:
    """Rows of one extract of `month` ('AAAA-MM'); raises UnreadableFile when it cannot be read."""
    first, last = month_bounds(month)
    table = read_table(data, name, {"code_etablissement", "id_usager"})  # a CSV, or a workbook in its place
    encoding = table.encoding
    form = _form(table.columns)
    if form == "inconnue":
        raise UnreadableFile(
            f"{name}, ligne 1 : ni la forme longue (colonnes date et code) ni la grille "
            f"(colonnes J01 … J31) ; en-tête lu : {printable('; '.join(table.columns))}"
        )
    missing = sorted({"date", "code"} - set(table.columns)) if form == "long" else []
    if missing:
        raise UnreadableFile(f"{name}, ligne 1 : colonne(s) obligatoire(s) absente(s) : {', '.join(missing)}")
    result = ActivityParse(path=name, form=form, encoding=encoding, rejects=list(table.rejects))
    dates: dict[str, dt.date | str] = {}

    def day_of(raw: str) -> dt.date | str:
        if raw not in dates:
            try:
                value = parse_date(raw)
                dates[raw] = value if first <= value <= last else f"date hors du mois {month}"
            except BadValue as exc:
                dates[raw] = str(exc)
        return dates[raw]

    # each grid column once: its label, its day of the month (or why it has none)
    grid = []
    for c in table.columns:
        if grid_match := _GRID_COLUMN.match(c):
            number = int(grid_match.group(1))
            day = first.replace(day=number) if 1 <= number <= last.day else f"jour {number} hors du mois {month}"
            grid.append((c, f"J{number:02d}", day))
    for line, cells in table.rows:
        keys = []
        for column in ("code_etablissement", "id_usager"):
            try:
                if not cells[column]:
                    raise BadValue("valeur obligatoire absente")
                keys.append(parse_code(cells[column]))
            except BadValue as exc:
                result.rejects.append(Reject(name, line, column, cells[column], str(exc)))
                break
        if len(keys) < 2:
            continue
        etab, resident = keys
        if form == "long":
            cells_of_row = [("date", day_of(cells["date"]), cells["date"], cells["code"])]
        else:
            cells_of_row = [(label, day, cells[col], cells[col]) for col, label, day in grid if cells[col] != ""]
        for column, day, when, raw_code in cells_of_row:
            code = raw_code.upper()
            if isinstance(day, str):
                result.rejects.append(Reject(name, line, column, when if form == "long" else raw_code, day))
                continue
            if code not in CODES:
                result.rejects.append(
                    Reject(
                        name,
                        line,
                        "code" if form == "long" else column,
                        raw_code,
                        "code inconnu, attendu : P, H, C ou F",
                    )
                )
                continue
            result.rows.append((line, column, etab, resident, day, code))
        check_rejects(result.rejects, name)
    result.rejects.sort(key=lambda r: (r.line or 0, r.column or ""))
    return result


def validate_activity(
    frame: pl.DataFrame, establishments: set[str], residents: dict[str, str]
) -> tuple[pl.DataFrame, list[Reject]]:
    """Keep the rows naming a known establishment and resident (`residents`: identifier_key -> the id stored),
    each under the resident's stored id whatever the extract did to its leading zeros."""
    if frame.is_empty():
        return frame, []
    canonical = frame["resident_id"].map_elements(identifier_key, return_dtype=pl.String)
    frame = frame.with_columns(
        pl.Series("resident_id", [residents.get(c) for c in canonical.to_list()], dtype=pl.String),
        canonical.alias("_given"),
        frame["resident_id"].alias("_raw"),
    )
    known_etab = pl.col("establishment_code").is_in(list(establishments))
    bad = frame.filter(~known_etab | pl.col("resident_id").is_null())
    rejects = [
        Reject(
            path,
            line,
            "code_etablissement" if not etab_ok else "id_usager",
            etab if not etab_ok else raw,
            "établissement inconnu" if not etab_ok else "usager inconnu",
        )
        for path, line, etab, raw, etab_ok in bad.select(
            "source_path", "source_line", "establishment_code", "_raw", known_etab.alias("ok")
        ).iter_rows()
    ]
    good = frame.filter(known_etab & pl.col("resident_id").is_not_null()).drop("_given", "_raw")
    return good, rejects


def hold_duplicates(frame: pl.DataFrame) -> pl.DataFrame:
    """docs/rules.md B1: the same resident, establishment and day twice holds all the rows of that
    establishment for the month (`held` = true) until the extract is corrected."""
    keys = ["establishment_code", "resident_id", "day"]
    doubled = frame.group_by(keys).len().filter(pl.col("len") > 1).select("establishment_code").unique()
    return frame.with_columns(pl.col("establishment_code").is_in(doubled["establishment_code"].to_list()).alias("held"))
