"""Reading a flat FEC (`read_fec`, `read_fec_file`): what accounting software really exports, as the package's
docstring tells; a `FecError` naming the file and the line only when the file cannot be read at all."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from assets.accounting.fec.records import (
    _AMOUNT,
    _DATE,
    _KNOWN,
    _LINE_END,
    _PAD,
    CASH_BASIS_COLUMNS,
    FEC_COLUMNS,
    FecError,
    FecFile,
    FecLine,
)
from assets.common.csvfile import printable, read_limited

# a general ledger of a large association is about 100 MB; the reader keeps about 16 times the file in memory
MAX_BYTES = 256 * 1024 * 1024


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise FecError(
            f"{name} : encodage non admis (UTF-16 ou binaire) ; un FEC est en ASCII, ISO-8859-15 ou UTF-8 (règle A01)"
        )
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            line = data[: exc.start + 3].count(b"\n") + 1
            raise FecError(
                f"{name}, ligne {line} : UTF-8 invalide après l'indicateur d'ordre des octets (BOM)"
            ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if re.search(rb"[\x80-\x9f]", data):  # "€", "…", "œ" of Windows-1252: C1 controls in ISO-8859-15
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    return data.decode("iso-8859-15"), "iso-8859-15"


def _split_records(text: str) -> list[tuple[int, str, str]]:
    """(line number, text, line end) of every line, blank lines left out; numbers count CR CR LF as one end."""
    if text.count("\r") == text.count("\r\n"):  # LF or CR LF end every line: split at once (4 times faster)
        parts = text.split("\n")
        last = len(parts) - 1
        return [
            (n, line[:-1], "\r\n") if line.endswith("\r") else (n, line, "\n" if n <= last else "")
            for n, line in enumerate(parts, 1)
            if line.strip(_PAD + "\r")
        ]
    out = []
    position = 0
    number = 0
    for match in _LINE_END.finditer(text):
        end = match.group()
        number += 1
        line = text[position : match.start()]
        if line.strip(_PAD):
            out.append((number, line, end if end.endswith("\n") else "\r"))
        if not end.endswith("\n"):
            number += len(end) - 1  # CRs alone: the blank lines between them
        position = match.end()
    if position < len(text) and text[position:].strip(_PAD):
        out.append((number + 1, text[position:], ""))
    return out


def _fields(line: str, separator: str, trailing: bool, width: int) -> list[str]:
    values = [value.strip(_PAD) for value in line.split(separator)]
    if trailing and len(values) == width + 1 and not values[-1]:
        values.pop()
    return values


@functools.lru_cache(maxsize=8192)  # a ledger repeats its dates and many of its amounts
def _date(text: str) -> dt.date | None:
    if not _DATE.fullmatch(text):
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def _is_empty_date(text: str) -> bool:
    return not text.strip("0")  # "00000000": no date (Test Compta Demat reads it so)


@functools.lru_cache(maxsize=8192)
def _amount(text: str) -> Decimal | None:
    match = _AMOUNT.fullmatch(text)
    if not match or (match["lead"] and match["trail"]):
        return None
    try:
        value = Decimal(f"{match['int']}.{match['dec'] or '0'}")
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        return None
    return -value if "-" in (match["lead"], match["trail"]) else value


def read_fec_file(path: Path, name: str | None = None) -> FecFile:
    """`read_fec` of a file on disk; one over `MAX_BYTES` is refused before it is read."""
    name = name or path.name
    return read_fec(read_limited(path, name, MAX_BYTES, FecError), name)


@dataclass(frozen=True)
class _Layout:
    """What the header says of the lines below it."""

    separator: str
    header: list[str]
    columns: list[str | None]
    trailing: bool
    read: list[tuple[str, int]]  # standard columns and their positions
    absent: list[str]  # standard columns the file does not have
    kept: list[tuple[str, int]]  # other columns, kept as they are
    montant_sens: bool

    def cut(self, line: str) -> tuple[list[str], str]:
        """The fields of a line and the separator they were cut on."""
        used, other = self.separator, "|" if self.separator == "\t" else "\t"
        if used not in line and line.count(other) >= len(self.header) - 1:
            used = other  # a line cut on the other separator: read it, rule A02 says so
        return _fields(line, used, self.trailing, len(self.header)), used

    def raw(self, values: list[str]) -> dict[str, str]:
        count = len(values)
        raw = {column: (values[position] if position < count else "") for column, position in self.read}
        for column in self.absent:
            raw[column] = ""
        return raw

    def debit_credit(self, raw: dict[str, str]) -> tuple[Decimal | None, Decimal | None]:
        if self.montant_sens:
            amount = _amount(raw["Montant"]) if raw["Montant"] else Decimal("0")
            if amount is None:
                return None, None
            sens = raw["Sens"].upper()
            debit = amount if sens in ("D", "+1") else Decimal("0") if sens in ("C", "-1") else None
            credit = amount if sens in ("C", "-1") else Decimal("0") if sens in ("D", "+1") else None
            return debit, credit
        debit = _amount(raw["Debit"]) if raw["Debit"] else Decimal("0")
        credit = _amount(raw["Credit"]) if raw["Credit"] else Decimal("0")
        return debit, credit


def _records(data: bytes, name: str) -> tuple[str, list[tuple[int, str, str]], _Layout]:
    """The encoding, the lines and the layout of a flat FEC; FecError when it has no readable header."""
    if len(data) > MAX_BYTES:
        raise FecError(f"{name} : fichier de {len(data)} octets, au-delà de la limite de {MAX_BYTES} octets")
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith((b"<?xml", b"<comptabilite")):
        raise FecError(f"{name}, ligne 1 : FEC au format XML, non pris en charge (fichier à plat attendu)")
    text, encoding = _decode(data, name)
    records = _split_records(text)
    if not records:
        raise FecError(f"{name} : fichier vide, aucun en-tête")
    header_number, header_text, _ = records[0]
    tabs, pipes = header_text.count("\t"), header_text.count("|")
    if not tabs and not pipes:
        other = next((f" (« {c} » trouvé)" for c in ";," if header_text.count(c) >= 10), "")
        raise FecError(
            f"{name}, ligne {header_number} : aucun séparateur de champs dans l'en-tête{other} ; "
            "tabulation ou | attendu"
        )
    separator = "\t" if tabs >= pipes else "|"
    header = [value.strip(_PAD) for value in header_text.split(separator)]
    trailing = len(header) > 1 and not header[-1]
    if trailing:
        header.pop()
    columns = [_KNOWN.get(value.lower()) for value in header]
    if not any(columns):
        raise FecError(
            f"{name}, ligne {header_number} : la première ligne n'est pas un en-tête FEC "
            f"(aucun des noms de colonnes de l'arrêté, « {printable(header[0], 40)} » en tête)"
        )
    index: dict[str, int] = {}
    for position, column in enumerate(columns):
        if column is not None:
            index.setdefault(column, position)
    read = [(column, position) for column, position in index.items() if column not in CASH_BASIS_COLUMNS]
    layout = _Layout(
        separator=separator,
        header=header,
        columns=columns,
        trailing=trailing,
        read=read,
        absent=[column for column in FEC_COLUMNS if column not in {c for c, _ in read}],
        kept=[
            (columns[position] or header[position], position)
            for position in range(len(header))
            if columns[position] is None or columns[position] in CASH_BASIS_COLUMNS
        ],
        montant_sens="Montant" in index and "Sens" in index and "Debit" not in index and "Credit" not in index,
    )
    return encoding, records, layout


def read_fec(data: bytes, name: str = "fec.txt") -> FecFile:
    encoding, records, layout = _records(data, name)
    lines = []
    for number, line, end in records[1:]:
        values, used = layout.cut(line)
        count = len(values)
        raw = layout.raw(values)
        debit, credit = layout.debit_credit(raw)
        lines.append(
            FecLine(
                journal_code=raw["JournalCode"],
                journal_lib=raw["JournalLib"],
                ecriture_num=raw["EcritureNum"],
                ecriture_date=_date(raw["EcritureDate"]),
                compte_num=raw["CompteNum"],
                compte_lib=raw["CompteLib"],
                comp_aux_num=raw["CompAuxNum"],
                comp_aux_lib=raw["CompAuxLib"],
                piece_ref=raw["PieceRef"],
                piece_date=_date(raw["PieceDate"]),
                ecriture_lib=raw["EcritureLib"],
                debit=debit,
                credit=credit,
                ecriture_let=raw["EcritureLet"],
                date_let=_date(raw["DateLet"]),
                valid_date=_date(raw["ValidDate"]),
                montant_devise=_amount(raw["Montantdevise"]) if raw["Montantdevise"] else None,
                idevise=raw["Idevise"],
                extra={name: values[position] for name, position in layout.kept if position < count},
                number=number,
                raw=raw,
                field_count=count,
                separator=used,
                line_end=end,
            )
        )
    header_number, _, header_end = records[0]
    return FecFile(
        name=name,
        encoding=encoding,
        separator=layout.separator,
        header=layout.header,
        columns=layout.columns,
        lines=lines,
        trailing_separator=layout.trailing,
        montant_sens=layout.montant_sens,
        header_line_end=header_end,
        header_line=header_number,
    )
