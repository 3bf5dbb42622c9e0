"""Reading an optional input file whose content is the reference (referentiel/mandats.csv,
relances/non_valeurs.csv, relances/remboursements.csv): each close reads it as it is now, registers it in
`input_files`, and replaces the rows it set aside before. An absent file is no rows; an unreadable one (a link,
two versions, not a table) is named in `quarantine` and read as `None`, so that its caller keeps what it read
last rather than undo decisions by accident."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from assets.common.csvfile import Reject, UnreadableFile, read_table, sha256_of
from assets.common.fields import BadValue
from assets.common.inputs import read_table_input
from assets.common.warehouse import insert_frame, run_sql
from assets.common.workbook import TABLE_SUFFIXES
from assets.ingest.loading import quarantine_frame


@dataclass
class OptionalFile:
    path: str  # the file read, as messages name it (a workbook in place of the CSV keeps its own name)
    rows: list[tuple[int, dict[str, str]]] | None  # None: present but unreadable
    rejects: list[Reject] = field(default_factory=list)
    record: dict = field(default_factory=dict)


def read_optional(
    con: duckdb.DuckDBPyConnection,
    entrees: Path,
    path: str,
    required: set[str],
    kind: str,
    scope: str,
    month: str | None,
    now: dt.datetime,
) -> OptionalFile | None:
    """The file's rows (None when the file is absent); call `finish` once its rows are parsed."""
    stem = path.rsplit(".", 1)[0]
    for suffix in TABLE_SUFFIXES:
        con.execute(
            "DELETE FROM quarantine WHERE scope = $scope AND month IS NOT DISTINCT FROM $month AND path = $path",
            {"scope": scope, "month": month, "path": stem + suffix},
        )
    record: dict[str, object] = {"path": path, "kind": kind, "month": month, "sha256": "-", "now": now}
    record.update(size_bytes=0, status="lu", same_as=None, encoding=None, error=None, scope=scope)
    name = path
    try:
        found = read_table_input(entrees, path)
        if found is None:
            return None
        name, data = found
        record.update(path=name, sha256=sha256_of(data), size_bytes=len(data))
        table = read_table(data, name, required)
    except UnreadableFile as exc:
        record.update(status="illisible", error=str(exc))
        return OptionalFile(name, None, [Reject(name, None, None, None, str(exc))], record)
    record["encoding"] = table.encoding
    return OptionalFile(name, table.rows, list(table.rejects), record)


def finish(con: duckdb.DuckDBPyConnection, read: OptionalFile, kept: int) -> None:
    """Registers the file read and sets aside its rejected rows (file, line, column, reason)."""
    record = dict(read.record)
    scope = record.pop("scope")
    record.update(rows_read=kept + len(read.rejects), rows_rejected=len(read.rejects))
    run_sql(con, "ingest/register_file.sql", record)
    frame: pl.DataFrame = quarantine_frame(read.rejects, scope, record["month"], record["now"])
    insert_frame(con, "quarantine", frame)


Field = tuple[str, str, Callable[[str], object], bool]  # column, key in the record, parser, mandatory


def parse_cells(line: int, cells: dict[str, str], fields: Sequence[Field]) -> tuple[dict, list[tuple[str, str, str]]]:
    """One row's values (None for an empty optional cell) and its problems: (column, value as read, reason)."""
    record: dict = {"src_line": line}
    problems: list[tuple[str, str, str]] = []
    for column, target, parse, mandatory in fields:
        raw = cells.get(column, "").strip()
        record[target] = None
        if not raw:
            if mandatory:
                problems.append((column, "", "valeur obligatoire absente"))
            continue
        try:
            record[target] = parse(raw)
        except BadValue as exc:
            problems.append((column, raw[:200], str(exc)))
    return record, problems


def replace_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict], schema: dict) -> None:
    """`table` (one of ours) becomes the file's rows: the file is the reference."""
    con.execute(f"DELETE FROM {table}")  # noqa: S608 - a table name of this code, never an input's
    insert_frame(con, table, pl.DataFrame(rows, schema=schema, orient="row"))
