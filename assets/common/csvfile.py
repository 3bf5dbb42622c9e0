"""Reading the CSV files people drop: `;`, a header line, UTF-8 or Windows-1252 (docs/contract.md); `read_table`
reads a workbook dropped in their place as the same table (`assets.common.workbook`).

`read_csv_file` either returns the rows with their line numbers, or raises `UnreadableFile` with a
message naming the file and what is wrong (binary, unknown encoding, wrong separator, no header,
missing columns, truncated). Rows with a wrong number of fields are returned as rejects.

Hostile files: a file over `MAX_BYTES` is refused before it is read (`read_limited`) or decoded; rows are
read one at a time; a file with more than `MAX_REJECTS` rows set aside is refused whole (the first reason
named) rather than filling memory and the quarantine with them.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

# a larger "CSV" is refused rather than loaded whole by surprise: the largest real input, the activity of a
# month of a large association in one file, is about 10 MB; the rows read take about 30 times the file
MAX_BYTES = 256 * 1024 * 1024
MAX_REJECTS = 100_000  # rows set aside in one file beyond which the file is not what it should be
_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")  # where str.splitlines cuts
_SIGNATURES = {
    b"PK\x03\x04": "un classeur Excel ou une archive ZIP",
    b"%PDF": "un PDF",
    b"\xd0\xcf\x11\xe0": "un ancien classeur Excel (.xls)",
}


class UnreadableFile(ValueError):
    """The whole file cannot be read; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class Reject:
    """One input row (or cell) set aside: file, line, column, value and reason."""

    path: str
    line: int | None
    column: str | None
    value: str | None
    reason: str
    kept: bool = False  # the row was kept without this value


@dataclass
class CsvTable:
    path: str
    encoding: str
    columns: list[str]  # normalised header names, in file order
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (line, cells by column)
    rejects: list[Reject] = field(default_factory=list)


_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _shown(c: str) -> str:
    """One character as a message shows it: itself, or its escape when it is not printable (a line break, a
    control, an invisible format character such as a right-to-left override); spaces of any width stay."""
    if c.isprintable() or unicodedata.category(c) == "Zs":
        return c
    code = ord(c)
    if c in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[c]
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def escaped(text: str) -> str:
    """Text from a file (a file name, a cell, a parser's message) as stdout, a log or an e-mail may show it: on
    one line, each character that is not printable shown by its escape (\\n, \\r, \\t, else \\xNN or
    \\uNNNN), so that a file name cannot write a line of its own into alertes.log or the close summary."""
    return text if text.isprintable() else "".join(map(_shown, text))


def printable(text: str, limit: int = 160) -> str:
    """Input text as a message may show it: `escaped`, at most `limit` characters (an escape is never cut)."""
    pieces, length = [], 0
    for c in text:
        pieces.append(_shown(c))
        length += len(pieces[-1])
        if length > limit:
            break
    if length <= limit:
        return "".join(pieces)
    while length > limit - 1:
        length -= len(pieces.pop())
    return "".join(pieces) + "…"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Text and encoding of a file's bytes: UTF-8 (with or without BOM), else Windows-1252."""
    if len(data) > MAX_BYTES:
        raise UnreadableFile(too_large(name, len(data), MAX_BYTES))
    if not data or data.isspace():
        raise UnreadableFile(f"{name} : fichier vide")
    for signature, what in _SIGNATURES.items():
        if data.startswith(signature):
            raise UnreadableFile(
                f"{name} : ce fichier est {what}, pas un CSV ; enregistrez-le au format "
                "« CSV (séparateur : point-virgule) »"
            )
    nul = data.find(b"\x00")
    if nul >= 0:
        raise UnreadableFile(f"{name} : fichier binaire (octet nul à la position {nul}), pas un CSV")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if has_utf8_accents(data):
        # accents written in UTF-8 and a byte that is not: lines added in another encoding (a log appended to
        # by two programs). Read whole as Windows-1252, the UTF-8 ones were garbled ("AlbÃ¨res") without a
        # word: each line is read in its own encoding
        lines = []
        for number, raw in enumerate(data.split(b"\n"), start=1):
            try:
                lines.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                try:
                    lines.append(raw.decode("windows-1252"))
                except UnicodeDecodeError as exc:
                    raise UnreadableFile(
                        f"{name}, ligne {number}, colonne {_position(raw, exc.start)[1]} : encodage non reconnu "
                        f"(ni UTF-8 ni Windows-1252), octet 0x{raw[exc.start]:02x}"
                    ) from None
        return "\n".join(lines), MIXED
    try:
        return data.decode("windows-1252"), "windows-1252"
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        raise UnreadableFile(
            f"{name}, ligne {line}, colonne {column} : encodage non reconnu (ni UTF-8 ni Windows-1252), "
            f"octet 0x{data[exc.start]:02x}"
        ) from None


MIXED = "utf-8 et windows-1252"  # the encoding of a file whose lines are in one or the other
# a letter with an accent written in UTF-8 (two bytes from U+00C0 to U+017F): in a Windows-1252 text it would
# read "Ã©", "Ã¨"…, which no French file holds
_UTF8_ACCENT = re.compile(rb"[\xc3\xc5][\x80-\xbf]")


def has_utf8_accents(data: bytes) -> bool:
    """Whether `data` holds a letter with an accent written in UTF-8."""
    return _UTF8_ACCENT.search(data) is not None


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """The line and the column (in characters, from 1) of a byte offset."""
    start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, len(data[start:offset].decode("utf-8", errors="replace")) + 1


def normalise_header(name: str) -> str:
    return name.strip().strip("\ufeff").strip().lower()


_DATA_CELL = re.compile(r"^(\d+([,.]\d+)?|\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})$")


def _looks_like_data(cells: list[str]) -> bool:
    """A first line holding numbers or dates is data, not a header."""
    return any(_DATA_CELL.match(c.strip()) for c in cells)


def header_columns(header: list[str], name: str, required: set[str], line: int = 1) -> list[str]:
    """The normalised column names of a header line (line `line` of the file), or UnreadableFile naming what is
    wrong: no expected column (the line is data, or something else), a column twice, a required one missing."""
    columns = [normalise_header(h) for h in header]
    if not (required & set(columns)):
        # a first line naming none of the expected columns is data (never echoed: it may name a person)
        what = (
            f"la ligne {line} ressemble à des données"
            if _looks_like_data(header)
            else (f"la ligne {line} ne contient aucune des colonnes attendues")
        )
        raise UnreadableFile(f"{name} : en-tête absent, {what} ; colonnes attendues : {', '.join(sorted(required))}")
    doubles = sorted({c for c in columns if c and columns.count(c) > 1})
    if doubles:
        raise UnreadableFile(f"{name}, ligne {line} : colonne(s) en double : {', '.join(doubles)}")
    missing = sorted(required - set(columns))
    if missing:
        raise UnreadableFile(
            f"{name}, ligne {line} : colonne(s) obligatoire(s) absente(s) : {', '.join(missing)} "
            f"(en-tête lu : {printable('; '.join(h.strip() for h in header))})"
        )
    return columns


def parse_csv_text(text: str, name: str, required: set[str], encoding: str = "utf-8") -> CsvTable:
    """Split `text` into rows keyed by normalised column name; checks header and field counts."""
    line_break = _LINE_BREAK.search(text)
    first = text[: line_break.start()] if line_break else text
    if not first.strip():
        raise UnreadableFile(f"{name} : la première ligne est vide, l'en-tête est absent")
    if ";" not in first:
        for sep, label in (("\t", "tabulation"), (",", "virgule"), ("|", "barre verticale")):
            if sep in first:
                raise UnreadableFile(
                    f"{name} : séparateur « {label} » détecté à la ligne 1 ; "
                    "le séparateur attendu est le point-virgule « ; »"
                )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise UnreadableFile(f"{name}, ligne 1 : en-tête illisible ({exc})") from None
    table = CsvTable(path=name, encoding=encoding, columns=header_columns(header, name, required))
    truncated_tail = not text.endswith(("\n", "\r"))
    previous_end = reader.line_num
    pending: tuple[int, list[str]] | None = None  # the record read last: only the last one can be truncated
    try:
        for cells in reader:
            if not cells:  # a blank line (never the last record of a file that does not end with a line end)
                previous_end = reader.line_num
                continue
            if pending is not None:
                _add_record(table, *pending, last=False)
            pending = (previous_end + 1, cells)
            previous_end = reader.line_num
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise UnreadableFile(
                f"{name}, ligne {previous_end + 1} : champ de plus de {csv.field_size_limit()} caractères "
                "(guillemet non fermé ?)"
            ) from None
        raise UnreadableFile(
            f"{name}, ligne {previous_end + 1} : fichier tronqué ou guillemet non fermé ({exc})"
        ) from None
    if pending is not None:
        _add_record(table, *pending, last=truncated_tail)
    return table


def _add_record(table: CsvTable, line: int, cells: list[str], last: bool) -> None:
    """One record of the file into `table`: a row, a reject, or nothing (an empty row); `last`: the file's
    last record, with no line end after it."""
    name, columns, width = table.path, table.columns, len(table.columns)
    if not any(c.strip() for c in cells):
        return  # an empty row (Excel writes ";;;" for them) carries nothing
    if len(cells) > width and not any(c.strip() for c in cells[width:]):
        cells = cells[:width]
    if len(cells) != width:
        if last and len(cells) < width:
            raise UnreadableFile(
                f"{name}, ligne {line} : fichier tronqué, la dernière ligne est incomplète "
                f"({len(cells)} champ(s) sur {width})"
            )
        # the column where the row stops matching the header: the first one missing, or the last one when
        # there are more fields; only the row's first cell is kept: the rest may be a person's name or birth date
        column = columns[len(cells)] if len(cells) < width else columns[-1]
        table.rejects.append(Reject(name, line, column, cells[0][:40] if cells else "", _reason(len(cells), width)))
        check_rejects(table.rejects, name)
        return
    table.rows.append((line, {c: v.strip().replace("\xa0", " ") for c, v in zip(columns, cells, strict=True)}))


@functools.cache
def _reason(count: int, width: int) -> str:  # one string for all the rows of a file with the same fault
    return f"{count} champ(s) au lieu de {width}"


def check_rejects(rejects: list[Reject], name: str) -> None:
    """Refuse a file once more than `MAX_REJECTS` of its rows are set aside, naming the first reason."""
    if len(rejects) > MAX_REJECTS:
        first = min(rejects, key=lambda r: r.line or 0)
        where = f"ligne {first.line}" + (f", colonne {first.column}" if first.column else "")
        raise UnreadableFile(
            f"{name} : plus de {MAX_REJECTS} lignes écartées, le fichier n'a pas la forme attendue "
            f"(première : {where} : {first.reason})"
        )


def too_large(name: str, size: int, limit: int) -> str:
    return f"{name} : fichier de {size} octets, au-delà de la limite de {limit} octets"


def read_limited(path: Path, name: str, limit: int = MAX_BYTES, error: type[Exception] = UnreadableFile) -> bytes:
    """The bytes of a file of at most `limit` bytes, named on the command line (an input of the data folder is
    read with `assets.common.inputs.read_input`). A larger file is refused (`error`, naming the file and the
    limit) before anything is read, and never more than `limit` + 1 bytes are read, even from a file that
    grows meanwhile or a device whose size says nothing; a folder, a FIFO or a socket is refused unread."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)  # a FIFO does not block
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
            what = "dossier" if stat.S_ISDIR(mode) else "tube nommé (FIFO)" if stat.S_ISFIFO(mode) else "socket"
            raise error(f"{name} : {what}, pas un fichier ordinaire ; refusé, non lu")
        os.set_blocking(fd, True)
        return read_from(f, name, limit, error)


def read_from(f: BinaryIO, name: str, limit: int, error: type[Exception] = UnreadableFile) -> bytes:
    """At most `limit` bytes of the open file `f`: refused (`error`) when its size is larger, before anything
    is read, or when more is read (a file that grows meanwhile, a device whose size says nothing). Its size
    and one byte are read at once, then by steps: a read of `limit` bytes would take them in memory, however
    small the file."""
    size = os.fstat(f.fileno()).st_size
    if size > limit:
        raise error(too_large(name, size, limit))
    data = f.read(size + 1)
    if len(data) > size:
        chunks, total = [data], len(data)
        while total <= limit and (chunk := f.read(min(limit + 1 - total, 1 << 20))):
            chunks.append(chunk)
            total += len(chunk)
        data = b"".join(chunks)
    if len(data) > limit:
        raise error(f"{name} : plus de {limit} octets lus, au-delà de la limite de {limit} octets")
    return data


def read_table(data: bytes, name: str, required: set[str]) -> CsvTable:
    """The rows of an input file by the ending of its name `name`: a workbook's (.xlsx, .xlsm, .xls, .ods: the
    rows of its sheet, `assets.common.workbook`) or a CSV's. Both give the same table: columns by their header
    name, rows with their line number in the file (the sheet's row number), rows set aside. A workbook saved
    under a .csv name is refused as any CSV that is not one (`decode` says what it is)."""
    from assets.common.workbook import is_workbook, read_workbook

    if is_workbook(name):
        return read_workbook(data, name, required)
    text, encoding = decode(data, name)
    return parse_csv_text(text, name, required, encoding)


def read_csv_file(path: Path, name: str, required: set[str], data: bytes | None = None) -> CsvTable:
    """Read a CSV file from disk (or its already-read bytes); `name` is how messages call it."""
    if data is None:
        data = read_limited(path, name, MAX_BYTES)
    text, encoding = decode(data, name)
    return parse_csv_text(text, name, required, encoding)
