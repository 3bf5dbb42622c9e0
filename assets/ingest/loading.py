"""Loading the inputs into the warehouse: the referential (unpartitioned) and a month's activity.

Plain functions over an open DuckDB connection, called inside the asset's single transaction.
Every file is registered by content hash; identical content under two names is read once.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from assets.common.csvfile import Reject, UnreadableFile, escaped, sha256_of
from assets.common.fields import identifier_key, preferred_form
from assets.common.inputs import list_inputs, read_table_input
from assets.common.warehouse import insert_frame, registered, run_sql
from assets.common.workbook import refused_type
from assets.ingest.activity import ROW_SCHEMA, hold_duplicates, parse_activity, validate_activity
from assets.ingest.extracts import nothing_readable, two_versions
from assets.ingest.referential import SPECS, parse_referential

if TYPE_CHECKING:
    from polars._typing import SchemaDict

QUARANTINE_SCHEMA: SchemaDict = {
    "scope": pl.String,
    "month": pl.String,
    "path": pl.String,
    "line": pl.Int32,
    "column_name": pl.String,
    "value": pl.String,
    "reason": pl.String,
    "kept": pl.Boolean,
    "recorded_at": pl.Datetime("us"),
}


def quarantine_frame(rejects: list[Reject], scope: str, month: str | None, now: dt.datetime) -> pl.DataFrame:
    return pl.DataFrame(
        [(scope, month, r.path, r.line, r.column, r.value, r.reason, r.kept, now) for r in rejects],
        schema=QUARANTINE_SCHEMA,
        orient="row",
    )


@dataclass
class ReferentialSummary:
    changed: bool
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows loaded
    rejected: int = 0
    unreadable: dict[str, str] = field(default_factory=dict)


def load_referential(con: duckdb.DuckDBPyConnection, entrees: Path, now: dt.datetime) -> ReferentialSummary:
    """Load entrees/referentiel/*.csv (or a workbook in place of any of them: usagers.xlsx) as one consistent
    set; unchanged files are not read again.

    When a file is absent or unreadable, the previous referential stays in place whole and the
    problem is recorded in `referential_files` (the control `referentiel_fichiers_lisibles` blocks).
    """
    contents: dict[str, bytes | None] = {}
    errors: dict[str, str] = {}
    paths = {spec.file: f"referentiel/{spec.file}" for spec in SPECS}  # the file read for each, as named
    for spec in SPECS:
        try:
            found = read_table_input(entrees, f"referentiel/{spec.file}")
            contents[spec.file] = found[1] if found else None
            paths[spec.file] = found[0] if found else paths[spec.file]
        except UnreadableFile as exc:  # a link, a special file, too large, two versions: named, unread
            contents[spec.file] = None
            errors[spec.file] = str(exc)
    hashes = {f: sha256_of(b) for f, b in contents.items() if b is not None}
    previous = dict(run_sql(con, "ingest/referential_unchanged.sql"))
    if not errors and len(hashes) == len(SPECS) and previous == hashes:
        run_sql(con, "ingest/referential_unchanged_mark.sql", {"now": now})
        return ReferentialSummary(changed=False)

    parsed = parse_referential(contents, known=known_forms(con), paths=paths)
    parsed.unreadable.update(errors)
    run_sql(con, "ingest/clear_referential_state.sql")
    for spec in SPECS:
        data = contents.get(spec.file)
        error = parsed.unreadable.get(spec.file)
        if data is None and spec.file not in errors:
            status = "absent"
        elif error:
            status = "illisible"
        else:  # readable, but loaded only when the other six are too
            status = "non_charge" if parsed.unreadable else "charge"
        if data is not None:
            run_sql(
                con,
                "ingest/register_file.sql",
                {
                    "sha256": hashes[spec.file],
                    "path": paths[spec.file],
                    "kind": "referentiel",
                    "month": None,
                    "size_bytes": len(data),
                    "status": "illisible" if error else "lu",
                    "same_as": None,
                    "encoding": parsed.encodings.get(spec.file),
                    "rows_read": parsed.rows_read.get(spec.file),
                    "rows_rejected": parsed.rows_rejected.get(spec.file),
                    "error": error,
                    "now": now,
                },
            )
        run_sql(
            con,
            "ingest/referential_file_state.sql",
            {
                "file": spec.file,
                "path": paths[spec.file],
                "sha": hashes.get(spec.file),
                "status": status,
                "error": error,
                "read": parsed.rows_read.get(spec.file),
                "rejected": parsed.rows_rejected.get(spec.file),
                "now": now,
            },
        )
    if parsed.unreadable:
        return ReferentialSummary(changed=False, unreadable=dict(parsed.unreadable))
    summary = ReferentialSummary(changed=True, rejected=len(parsed.rejects))
    for spec in SPECS:
        con.execute(f"DELETE FROM {spec.table}")  # noqa: S608 - table names come from SPECS
        summary.rows[spec.table] = insert_frame(con, spec.table, parsed.frames[spec.table])
    run_sql(con, "ingest/clear_referential_quarantine.sql")
    insert_frame(con, "quarantine", quarantine_frame(parsed.rejects, "referentiel", None, now))
    return summary


def known_forms(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """The forms of resident ids and payer codes the warehouse holds: {"resident"|"payer": {identifier_key:
    form}}, the longest form of an identifier stored several ways (by a version that did not settle them)."""
    written: dict[str, dict[str, list[str]]] = {}
    for kind, form in run_sql(con, "ingest/known_forms.sql"):
        written.setdefault(kind, {}).setdefault(identifier_key(form), []).append(form)
    return {kind: {key: preferred_form(forms) for key, forms in keys.items()} for kind, keys in written.items()}


def payer_codes(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The payer codes of the referential (U + id_usager included) by their identifier_key: how the payer
    code of an operator's file (`U123`, `066`) is read as the code stored (`U000123`, `066`)."""
    return {identifier_key(code): code for (code,) in run_sql(con, "ingest/payer_codes.sql")}


@dataclass
class ActivitySummary:
    month: str
    files: int = 0
    duplicates: int = 0  # files whose content repeats another file's
    unreadable: dict[str, str] = field(default_factory=dict)
    days: int = 0
    held: int = 0
    rejected: int = 0


def load_activity(con: duckdb.DuckDBPyConnection, entrees: Path, month: str, now: dt.datetime) -> ActivitySummary:
    """Replace `month`'s activity with the extracts now in entrees/activite/AAAA-MM/ (CSV or workbooks; any
    other file is refused by name). An establishment whose extract has a resident's day twice is held (B1): its
    rows are stored held, and the days it had before stay in force until a corrected extract replaces them; so
    do the days of an extract that cannot be read now, of one whose every day is set aside, and of two
    versions of one extract (`extracts.two_versions`)."""
    summary = ActivitySummary(month=month)
    run_sql(con, "ingest/replace_activity_month.sql", {"month": month})
    read: dict[str, tuple[pl.DataFrame, list[Reject]]] = {}  # file -> its rows and rows set aside
    rejects: list[Reject] = []
    seen: dict[str, str] = {}
    records: list[dict] = []
    for extract in list_inputs(entrees, f"activite/{month}", None):
        name = extract.path
        summary.files += 1
        record: dict[str, Any] = {
            "sha256": None,
            "path": name,
            "kind": "activite",
            "month": month,
            "size_bytes": 0,
            "status": "lu",
            "same_as": None,
            "encoding": None,
            "rows_read": None,
            "rows_rejected": None,
            "error": None,
            "form": None,
            "stamp": None,
            "now": now,
        }
        try:
            if extract.refused is None and (refused := refused_type(name, "l'extrait")):  # a PDF, a lock file…
                raise UnreadableFile(refused)
            record["stamp"] = extract_stamp(entrees, name)  # before reading: a change after it is seen next time
            data = extract.read()
            record["sha256"], record["size_bytes"] = sha256_of(data), len(data)
            if not data or data.isspace():  # an empty file is said so, not a copy of another empty one
                raise UnreadableFile(f"{name} : fichier vide")
            if record["sha256"] in seen:
                record.update(status="doublon", same_as=seen[record["sha256"]])
                summary.duplicates += 1
            else:
                seen[record["sha256"]] = name
                parsed = parse_activity(data, name, month)
                if parsed.rejects and not parsed.rows:  # every date a number, say: not an empty month
                    raise UnreadableFile(nothing_readable(name, parsed.rejects))
                record.update(form=parsed.form, encoding=parsed.encoding)
                frame = pl.DataFrame(parsed.rows, schema=ROW_SCHEMA, orient="row").with_columns(
                    pl.lit(name).alias("source_path")
                )
                read[name] = (frame, parsed.rejects)
                record.update(rows_read=parsed.days_read, rows_rejected=len(parsed.rejects))
        except (OSError, UnreadableFile) as exc:
            # one line whatever the file's name: it reaches the controls, the close summary and the alerts
            said = str(exc) if isinstance(exc, UnreadableFile) else f"{name} : illisible ({exc.strerror or exc})"
            message = escaped(said)
            if seen.get(record["sha256"]) == name:  # a copy of this file is unreadable too, not its "doublon"
                del seen[record["sha256"]]
            record.update(status="illisible", error=message, sha256=record["sha256"] or "-")
            summary.unreadable[name] = message
            rejects.append(Reject(name, None, None, None, message))
        records.append(record)
    versions = two_versions(
        [r["path"] for r in records if r["status"] != "doublon"],
        {path: frame["establishment_code"].unique().to_list() for path, (frame, _) in read.items()},
        month,
    )
    for record in records:
        if record["path"] in versions and record["status"] == "lu":
            message = escaped(versions[record["path"]])
            del read[record["path"]]
            record.update(status="illisible", error=message, form=None, rows_read=None, rows_rejected=None)
            summary.unreadable[record["path"]] = message
            rejects.append(Reject(record["path"], None, None, None, message))
    frames = [frame for frame, _ in read.values()]
    rejects.extend(r for _, file_rejects in read.values() for r in file_rejects)
    _register_files(con, records)
    rows = pl.concat(frames) if frames else pl.DataFrame(schema={**ROW_SCHEMA, "source_path": pl.String})
    establishments: set[str] = set()
    residents: dict[str, str] = {}
    for kind, key in run_sql(con, "ingest/known_keys.sql"):
        if kind == "establishment":
            establishments.add(key)
        else:
            residents[identifier_key(key)] = key
    rows, unknown = validate_activity(rows, establishments, residents)
    rejects.extend(unknown)
    # a file's rejected count includes rows that name an unknown establishment or resident
    for path, count in _count_by_path(unknown).items():
        run_sql(con, "ingest/count_rejected_rows.sql", {"n": count, "month": month, "path": path})
    rows = hold_duplicates(rows).with_columns(pl.lit(month).alias("month"))
    held = sorted(rows.filter(pl.col("held"))["establishment_code"].unique().to_list())
    unreadable = sorted(summary.unreadable)
    run_sql(con, "ingest/replace_activity_days.sql", {"month": month, "held": held, "unreadable": unreadable})
    summary.days = insert_frame(con, "activity_days", rows)
    run_sql(con, "ingest/activity_hashes.sql", {"month": month})
    summary.held = int(rows["held"].sum()) if rows.height else 0
    summary.rejected = len(rejects)
    insert_frame(con, "quarantine", quarantine_frame(rejects, "activite", month, now))
    return summary


def extract_stamp(entrees: Path, path: str) -> str | None:
    """The size, modification and change times of the regular file entrees/path (a link is not followed), or
    None. Two equal stamps are taken as the same content: a file written again gets a new change time whatever
    its size and modification time say (its content is then compared by SHA-256)."""
    try:
        found = os.lstat(entrees / path)
    except OSError:
        return None
    return f"{found.st_size}:{found.st_mtime_ns}:{found.st_ctime_ns}" if stat.S_ISREG(found.st_mode) else None


def folder_changes(entrees: Path, month: str, registered: dict[str, tuple[str, str | None]]) -> tuple[list[str], dict]:
    """(the extracts of `month` new, changed or removed since it was last read, a removed one marked so; {path:
    stamp} of those found unchanged under a new stamp). `registered`: {path: (sha256, stamp)} as last read. A
    file with its registered stamp is not opened; any other one is hashed as `load_activity` would register it
    ("-" when it cannot be read). A folder absent or emptied changes nothing: an archived month keeps its days."""
    listed = list_inputs(entrees, f"activite/{month}", None)
    if not listed:
        return [], {}
    changed: list[str] = []
    restamp: dict[str, str] = {}
    for extract in listed:
        known = registered.get(extract.path)
        refused = extract.refused is not None or refused_type(extract.path, "l'extrait") is not None
        stamp = None if refused else extract_stamp(entrees, extract.path)
        if known is not None and stamp is not None and known[1] == stamp:
            continue
        sha = "-"
        if stamp is not None:
            try:
                sha = sha256_of(extract.read())
            except (OSError, UnreadableFile):
                sha = "-"
        if known is None or known[0] != sha:
            changed.append(extract.path)
        elif stamp is not None:
            restamp[extract.path] = stamp
    gone = sorted(set(registered) - {extract.path for extract in listed})
    return changed + [f"{path} (retiré)" for path in gone], restamp


@dataclass
class Reread:
    """An earlier month read again by a later close, and the extracts that made it so."""

    summary: ActivitySummary
    paths: list[str]


def read_corrected_months(
    con: duckdb.DuckDBPyConnection, entrees: Path, month: str, since: str, now: dt.datetime
) -> list[Reread]:
    """docs/rules.md B12: the close of `month` reads again, as their own close would (`load_activity`), the
    folders of the open months before it ([`since`, `month`), those read before) in which an extract is new,
    changed or removed since; the others are left as they are, their unchanged files not opened."""
    registered: dict[str, dict[str, tuple[str, str | None]]] = {}
    for earlier, path, sha, stamp in run_sql(con, "ingest/registered_extracts.sql", {"since": since, "month": month}):
        registered.setdefault(earlier, {})[path] = (sha, stamp)
    rereads = []
    restamped: list[dict[str, str]] = []
    for earlier, files in sorted(registered.items()):
        paths, restamp = folder_changes(entrees, earlier, files)
        if paths:
            summary = load_activity(con, entrees, earlier, now)
            run_sql(
                con,
                "ingest/record_reread.sql",
                {"run_month": month, "month": earlier, "paths": ", ".join(paths), "now": now},
            )
            rereads.append(Reread(summary, paths))
        else:
            restamped += [{"month": earlier, "path": path, "stamp": stamp} for path, stamp in restamp.items()]
    _restamp(con, restamped)
    return rereads


def _restamp(con: duckdb.DuckDBPyConnection, restamped: list[dict[str, str]]) -> None:
    """The new stamps of the extracts found unchanged, in one statement: a data folder copied or restored gives
    every extract of the open months a new change time (4,600 files for 23 months of a large association, one
    statement each took 2.8 to 4.1 s of the close)."""
    if not restamped:
        return
    schema = {"month": pl.String, "path": pl.String, "stamp": pl.String}
    with registered(con, restamped=pl.DataFrame(restamped, schema=schema)):
        run_sql(con, "ingest/restamp_extracts.sql")


FILE_SCHEMA: SchemaDict = {
    "sha256": pl.String,
    "path": pl.String,
    "kind": pl.String,
    "month": pl.String,
    "size_bytes": pl.Int64,
    "status": pl.String,
    "same_as": pl.String,
    "encoding": pl.String,
    "rows_read": pl.Int32,
    "rows_rejected": pl.Int32,
    "error": pl.String,
    "form": pl.String,
    "stamp": pl.String,
    "now": pl.Datetime("us"),
}


def _register_files(con: duckdb.DuckDBPyConnection, records: list[dict]) -> None:
    """The month's extracts recorded in two statements, whatever their number (one pair of statements per
    file took 6 ms, 1.2 s for the 200 files of a large association)."""
    if not records:
        return
    with registered(con, files_read=pl.DataFrame(records, schema=FILE_SCHEMA)):
        run_sql(con, "ingest/register_activity_files.sql")


def _count_by_path(rejects: list[Reject]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in rejects:
        counts[r.path] = counts.get(r.path, 0) + 1
    return counts
