"""The phone log on the warehouse: relances/appels.csv read into call_log (only the lines added when the log
only grew), its bad rows set aside.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from assets.common.csvfile import (
    Reject,
    UnreadableFile,
    decode,
    has_utf8_accents,
    parse_csv_text,
    read_table,
    sha256_of,
)
from assets.common.fields import BadValue, identifier_key, parse_amount, parse_choice, parse_date
from assets.common.inputs import read_table_input
from assets.common.warehouse import insert_frame, run_sql
from assets.common.workbook import is_workbook
from assets.ingest.loading import payer_codes, quarantine_frame
from assets.receivables.dunning import Call

if TYPE_CHECKING:
    from polars._typing import SchemaDict

CALLS = "relances/appels.csv"
RESULTS = ("promesse", "litige", "litige_clos", "injoignable", "deja_paye", "autre")

CALL_COLUMNS = {"date", "cible", "resultat"}
CALL_LOG_SCHEMA: SchemaDict = {
    "day": pl.Date,
    "target": pl.String,
    "speaker": pl.String,
    "result": pl.String,
    "promise_date": pl.Date,
    "promised": pl.Decimal(18, 2),
    "comment": pl.String,
    "source_line": pl.Int32,
}


@dataclass(frozen=True)
class _Appended:
    """A phone log that only adds lines to the content call_log was read from (call_log_source)."""

    header: str  # the log's first line
    text: str  # what follows the content read before, decoded as it was
    encoding: str
    offset: int  # a line of `header` + `text` is this many lines further in the log


def _appended(con: duckdb.DuckDBPyConnection, data: bytes) -> _Appended | None:
    """The lines added at the end of the log since call_log was read from it; None when anything else
    changed (a line edited or removed, another encoding, a file read with rejected rows), which reads the
    log whole."""
    known = run_sql(con, "receivables/call_log_source.sql")
    if not known:
        return None
    sha256, size, encoding, lines, header = known[0]
    if len(data) < size or data[size - 1 : size] != b"\n" or sha256_of(data[:size]) != sha256:
        return None
    added = data[size:]
    if b"\x00" in added or (b"\r" in added and added.count(b"\r") != added.count(b"\r\n")):
        return None
    if encoding != "utf-8" and has_utf8_accents(added):
        return None  # lines in UTF-8 added to a log in Windows-1252: read whole, each line in its own (`decode`)
    try:
        text = added.decode(encoding)
    except (UnicodeDecodeError, LookupError):  # LookupError: a log of lines in two encodings (csvfile.MIXED)
        return None  # decoded whole, the log may change encoding: read it whole as `decode` does
    return _Appended(header, text, encoding, lines - 1)


def _source(data: bytes, header: str, encoding: str, columns: list[str]) -> dict:
    """What call_log_source keeps of a log read without rejects, for the next reading to start where this
    one ended; `keep` is false when it could not (no line end at the end, a lone carriage return, a header
    on two lines)."""
    header = header.rstrip("\r")
    keep = (
        data.endswith(b"\n")
        and data.count(b"\r") == data.count(b"\r\n")
        and parse_csv_text(header + "\n", CALLS, CALL_COLUMNS).columns == columns
    )
    return {
        "keep": keep,
        "sha256": sha256_of(data),
        "size_bytes": len(data),
        "encoding": encoding,
        "lines": data.count(b"\n"),
        "header": header,
    }


NO_SOURCE = {"keep": False, "sha256": None, "size_bytes": None, "encoding": None, "lines": None, "header": None}


def load_calls(con: duckdb.DuckDBPyConnection, entrees: Path, month: str, now: dt.datetime) -> tuple[list[Call], int]:
    """relances/appels.csv as it is now into call_log; bad rows set aside with line and column (scope
    `relances`). The cell appends to its log: when the file only adds lines to what call_log was read from,
    those lines alone are parsed (the log of a large association's second year has 23,000 calls)."""
    calls: list[Call] = []
    rejects: list[Reject] = []
    rows = []
    appended, source = None, None
    refused: UnreadableFile | None = None
    name, header = CALLS, None
    try:
        # the log, or a workbook in its place; a link, a special or a huge file, two versions: refused by name
        found = read_table_input(entrees, CALLS)
        name, data = found if found else (CALLS, None)
    except UnreadableFile as exc:
        data, refused = b"", exc
    workbook = is_workbook(name)  # read whole each time: only a CSV log is read from where it was left
    if data is not None:
        record = {"path": name, "kind": "relances", "month": month, "sha256": "-", "now": now}
        record.update(size_bytes=len(data), status="lu", same_as=None, encoding=None, error=None)
        try:
            if refused is not None:
                raise refused
            record["sha256"] = sha256_of(data)
            appended = None if workbook else _appended(con, data)
            if appended:
                encoding, offset, header = appended.encoding, appended.offset, appended.header
                try:
                    table = parse_csv_text(f"{header}\n{appended.text}", CALLS, CALL_COLUMNS, encoding)
                except UnreadableFile:
                    appended = None  # said again below with the line of the whole file
            codes = payer_codes(con)
            if appended:
                # each under its payer's stored code, a call logged before the referential knew the payer too
                calls = [_named(Call(*row), codes) for row in run_sql(con, "receivables/calls.sql")]
            elif workbook:
                table, offset = read_table(data, name, CALL_COLUMNS), 0
                encoding = table.encoding
            else:
                content, encoding = decode(data, CALLS)
                table, offset = parse_csv_text(content, CALLS, CALL_COLUMNS, encoding), 0
                header = content.split("\n", 1)[0]
            rejects.extend(dataclasses.replace(r, line=r.line + offset) if r.line else r for r in table.rejects)
            for line_no, cells in table.rows:
                line_no += offset
                fields = (
                    ("date", parse_date, True),
                    ("resultat", lambda v: parse_choice(v, RESULTS), True),
                    ("date_promesse", parse_date, False),
                    ("montant_promis", parse_amount, False),
                )
                values: dict[str, Any] = {}
                problem: Reject | None = None
                for column, parse, required in fields:
                    text = cells.get(column, "")
                    try:
                        values[column] = parse(text) if (text or required) else None
                    except BadValue as exc:
                        problem = Reject(name, line_no, column, text, str(exc))
                        break
                if problem is None and not cells["cible"].strip():
                    problem = Reject(name, line_no, "cible", "", "cible vide (un numéro de facture ou un code payeur)")
                if problem:
                    rejects.append(problem)
                    continue
                target = cells["cible"].strip().upper()
                target = codes.get(identifier_key(target), target)  # U123: the payer stored as U000123
                calls.append(
                    Call(values["date"], target, values["resultat"], values["date_promesse"], values["montant_promis"])
                )
                speaker, comment = cells.get("interlocuteur", ""), cells.get("commentaire", "")
                promise, promised = values["date_promesse"], values["montant_promis"]
                rows.append((values["date"], target, speaker, values["resultat"], promise, promised, comment, line_no))
            record.update(encoding=encoding, rows_read=len(calls), rows_rejected=len(rejects))
            if not rejects and header is not None:
                source = _source(data, header, encoding, table.columns)
        except UnreadableFile as exc:
            record.update(status="illisible", error=str(exc), rows_read=0, rows_rejected=1)
            rejects = [Reject(name, None, None, None, str(exc))]
            calls, rows, appended = [], [], None
        run_sql(con, "ingest/register_file.sql", record)
    if not appended:
        run_sql(con, "receivables/clear_call_log.sql")
    run_sql(con, "receivables/set_call_log_source.sql", source or NO_SOURCE)
    insert_frame(con, "call_log", pl.DataFrame(rows, schema=CALL_LOG_SCHEMA, orient="row"))
    insert_frame(con, "quarantine", quarantine_frame(rejects, "relances", month, now))
    return calls, len(rejects)


def _named(call: Call, codes: dict[str, str]) -> Call:
    """`call` with its target written as the payer code stored (`U123` for `U000123`), else as it is."""
    target = codes.get(identifier_key(call.target), call.target)
    return call if target == call.target else dataclasses.replace(call, target=target)
