"""Reading the CSV files people drop: `;`, a header line, UTF-8 or Windows-1252 (CONTRACT.md).

`read_csv_file` either returns the rows with their line numbers, or raises `UnreadableFile` with a
message naming the file and what is wrong (binary, unknown encoding, wrong separator, no header,
missing columns, truncated). Rows with a wrong number of fields are returned as rejects.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

MAX_BYTES = 256 * 1024 * 1024  # a larger "CSV" is refused rather than loaded whole by surprise
_SIGNATURES = {
    b"PK\x03\x04": "un classeur Excel ou une archive ZIP",
    b"%PDF": "un PDF",
    b"\xd0\xcf\x11\xe0": "un ancien classeur Excel (.xls)",
}


class UnreadableFile(ValueError):
    """The whole file cannot be read; the message names the file and the problem."""


@dataclass(frozen=True)
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


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Text and encoding of a file's bytes: UTF-8 (with or without BOM), else Windows-1252."""
    if not data.strip():
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
    try:
        return data.decode("windows-1252"), "windows-1252"
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            f"{name} : encodage non reconnu (ni UTF-8 ni Windows-1252), "
            f"octet 0x{data[exc.start]:02x} à la position {exc.start}"
        ) from None


def normalise_header(name: str) -> str:
    return name.strip().strip("\ufeff").strip().lower()


_DATA_CELL = re.compile(r"^(\d+([,.]\d+)?|\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})$")


def _looks_like_data(cells: list[str]) -> bool:
    """A first line holding numbers or dates is data, not a header."""
    return any(_DATA_CELL.match(c.strip()) for c in cells)


def parse_csv_text(text: str, name: str, required: set[str], encoding: str = "utf-8") -> CsvTable:
    """Split `text` into rows keyed by normalised column name; checks header and field counts."""
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise UnreadableFile(f"{name} : la première ligne est vide, l'en-tête est absent")
    first = lines[0]
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
    columns = [normalise_header(h) for h in header]
    if not (required & set(columns)):
        # a first line naming none of the expected columns is data (never echoed: it may name a person)
        what = (
            "la ligne 1 ressemble à des données"
            if _looks_like_data(header)
            else ("la ligne 1 ne contient aucune des colonnes attendues")
        )
        raise UnreadableFile(f"{name} : en-tête absent, {what} ; colonnes attendues : {', '.join(sorted(required))}")
    doubles = sorted({c for c in columns if c and columns.count(c) > 1})
    if doubles:
        raise UnreadableFile(f"{name}, ligne 1 : colonne(s) en double : {', '.join(doubles)}")
    missing = sorted(required - set(columns))
    if missing:
        raise UnreadableFile(
            f"{name}, ligne 1 : colonne(s) obligatoire(s) absente(s) : {', '.join(missing)} "
            f"(en-tête lu : {'; '.join(h.strip() for h in header)})"
        )
    table = CsvTable(path=name, encoding=encoding, columns=columns)
    width = len(columns)
    records: list[tuple[int, list[str]]] = []
    previous_end = reader.line_num
    try:
        for cells in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            records.append((start, cells))
    except csv.Error as exc:
        raise UnreadableFile(
            f"{name}, ligne {previous_end + 1} : fichier tronqué ou guillemet non fermé ({exc})"
        ) from None
    truncated_tail = not text.endswith(("\n", "\r"))
    for index, (line, cells) in enumerate(records):
        if not any(c.strip() for c in cells):
            continue  # an empty row (Excel writes ";;;" for them) carries nothing
        if len(cells) > width and not any(c.strip() for c in cells[width:]):
            cells = cells[:width]
        if len(cells) != width:
            if index == len(records) - 1 and truncated_tail and len(cells) < width:
                raise UnreadableFile(
                    f"{name}, ligne {line} : fichier tronqué, la dernière ligne est incomplète "
                    f"({len(cells)} champ(s) sur {width})"
                )
            table.rejects.append(
                # only the row's first cell is kept: the rest may be a person's name or birth date
                Reject(name, line, None, cells[0][:40] if cells else "", f"{len(cells)} champ(s) au lieu de {width}")
            )
            continue
        table.rows.append((line, {c: v.strip().replace("\xa0", " ") for c, v in zip(columns, cells, strict=True)}))
    return table


def read_csv_file(path: Path, name: str, required: set[str], data: bytes | None = None) -> CsvTable:
    """Read a CSV file from disk (or its already-read bytes); `name` is how messages call it."""
    if data is None:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise UnreadableFile(f"{name} : fichier de {size} octets, au-delà de la limite de {MAX_BYTES}")
        data = path.read_bytes()
    text, encoding = decode(data, name)
    return parse_csv_text(text, name, required, encoding)
