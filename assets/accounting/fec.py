"""French "Fichier des Écritures Comptables" (FEC, article A47 A-1 du LPF): read, validate, write.

A FEC is a flat text file: a header naming the columns, then one line per entry line, fields separated by a
tabulation or a pipe `|` (one separator for the whole file), records separated by CR and/or LF, amounts with a
decimal comma, dates `AAAAMMJJ`. The 18 columns, in this order: JournalCode, JournalLib, EcritureNum,
EcritureDate, CompteNum, CompteLib, CompAuxNum, CompAuxLib, PieceRef, PieceDate, EcritureLib, Debit, Credit,
EcritureLet, DateLet, ValidDate, Montantdevise, Idevise.

`read_fec` reads what accounting software really exports (as the DGFiP's Test Compta Demat does): tab or pipe
detected from the header, UTF-8 with or without BOM, else ISO-8859-15 (Windows-1252 when its bytes 0x80-0x9F
appear), CR, LF, CRLF and CR CR LF line ends, fields padded with spaces, a separator at the end of every line,
zero-padded amounts with a decimal comma or dot, column names in any case, the `Montant` + `Sens` variant of
`Debit` + `Credit`, the `CompteAuxNum`/`CompteAuxLib` spellings of the XML schema, and the columns DateRglt,
ModeRglt, NatOp, IdClient that follow the 18 in the BNC/BA cash-basis variant (A47 A-1 VIII 5 and 7). It raises
a `FecError` naming the file and the line only when the file cannot be read at all.

`validate` returns every problem found, each with a stable rule code. The codes are those of RezDevOps/fec-check
(docs/regles.md) for the same rules, plus L01 (lettering pairs), N01 and N02 (entry numbering), which that tool
does not have:

    A02 one separator (tab or pipe) for the whole file       A03 header: the expected column names
    A04 header: the columns in their order                  A05 as many fields on a line as in the header
    A06 one kind of line end (warning)                       A07 required fields filled, a non-zero amount
    B01 each entry (JournalCode + EcritureNum) balanced      B02 the whole file balanced
    B03 amounts readable: sign, digits, decimal , or . (the same in the whole file), 0 to 4 decimals
    B04 Debit and Credit not both non-zero (warning)        B05 CompAuxNum and CompAuxLib both filled or both empty
    B06 an auxiliary account on a third-party (4...) account (warning)
    C01 EcritureDate, C02 PieceDate, C03 ValidDate, C04 DateLet: valid dates AAAAMMJJ
    C05 EcritureDate within the period given (only when one is given)
    C06 ValidDate not before EcritureDate                    C07 numbers in order of validation per journal
    C08 entries without ValidDate (warning)                  L01 EcritureLet and DateLet both filled or both
                                                                 empty (warning)
    N01 each entry (JournalCode + EcritureNum) on one EcritureDate
    N02 entry numbers continuous per journal: no number missing inside a series

Entry numbering is judged as strictly as A47 A-1 and the DGFiP's tools, no more. The arrêté asks for "le numéro
sur une séquence continue de l'écriture comptable" (field 3, alphanumeric) and says nothing of its form: real
software writes "12", "00000012", "ANO000000012", "VT-2025-000012", per journal or one sequence for the whole
file, restarting each year or not.

- N01: the lines of one entry share one EcritureDate, as Test Compta Demat checks ("Différentes dates
  comptables", its entries grouped by number): a file numbering every line "0" makes one entry of a journal.
- N02: a number's counter is its last run of digits, its series the text around it ("VT-2025-" for
  "VT-2025-000012", "" for "12"): a year, month or journal written in the number makes a series of its own, so
  numbering restarting with it is continuous. Within one journal and one series, no counter is missing between
  the smallest and the largest: a gap inside the file is an error; a series not starting at 1, or stopping
  before the file's end, is not (a month's extract continues the month before: VT-2025-000101…). A series
  found in several journals may be one numbering for the whole file (as Test Compta Demat reads numbers, unique
  in the file): it is judged so when that fits better, fewer counters missing or used by two journals, and its
  gaps are told once for all its journals. A number without digits, or whose counter has over 18 digits, is
  not judged.
- L01 is a warning: EcritureLet and DateLet are each "à blanc si non utilisé" (fields 14 and 15) and no text ties
  them; Test Compta Demat checks neither. A letter without its date (software that keeps none) or a date
  without a letter is worth telling, not a reason to refuse the file.

(A01, an encoding outside ASCII / ISO-8859-15 / UTF-8, is a file that cannot be read: a `FecError`.)

Hostile files: a file over `MAX_BYTES` is refused (`read_fec_file` refuses it before reading it); the reader
does no backtracking on line ends (a run of CRs is read in one pass) and compares entry numbers of any length.

`write_fec` writes lines in the layout, and refuses (`FecError`) to return bytes that `validate` would find any
problem in, or that would not read back to the same values.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NamedTuple

from assets.common.csvfile import printable, read_limited

FEC_COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
# the variant of the arrêté where one amount and its direction replace Debit and Credit (columns 12 and 13)
MONTANT_SENS_COLUMNS = FEC_COLUMNS[:11] + ("Montant", "Sens") + FEC_COLUMNS[13:]
# columns that follow the 18 in the BNC/BA cash-basis variant (A47 A-1 VIII 5: the first three; 7: the four)
CASH_BASIS_COLUMNS = ("DateRglt", "ModeRglt", "NatOp", "IdClient")
_ALIASES = {"compteauxnum": "CompAuxNum", "compteauxlib": "CompAuxLib"}  # spellings the XML schema also allows
_KNOWN = {name.lower(): name for name in FEC_COLUMNS + ("Montant", "Sens") + CASH_BASIS_COLUMNS} | _ALIASES

# fields that must be filled on every line (the amount is checked apart: a non-zero Debit or Credit)
REQUIRED = ("JournalCode", "EcritureNum", "EcritureDate", "CompteNum", "EcritureLib")

ERREUR = "erreur"
AVERTISSEMENT = "avertissement"
RULES: dict[str, tuple[str, str]] = {
    "A02": (ERREUR, "séparateur de champs unique (tabulation ou |) dans tout le fichier"),
    "A03": (ERREUR, "en-tête : les noms des 18 colonnes attendues"),
    "A04": (ERREUR, "en-tête : les colonnes dans l'ordre de l'arrêté"),
    "A05": (ERREUR, "autant de champs sur chaque ligne que dans l'en-tête (18)"),
    "A06": (AVERTISSEMENT, "une seule convention de fin de ligne dans tout le fichier"),
    "A07": (ERREUR, "champs obligatoires remplis et un montant non nul au débit ou au crédit"),
    "B01": (ERREUR, "chaque écriture (JournalCode, EcritureNum) équilibrée"),
    "B02": (ERREUR, "total des débits égal au total des crédits du fichier"),
    "B03": (ERREUR, "montants lisibles : chiffres, virgule ou point (le même partout), 0 à 4 décimales"),
    "B04": (AVERTISSEMENT, "débit et crédit non nuls tous deux sur une même ligne"),
    "B05": (ERREUR, "CompAuxNum et CompAuxLib remplis ensemble ou vides ensemble"),
    "B06": (AVERTISSEMENT, "compte auxiliaire sur un compte qui n'est pas de tiers (classe 4)"),
    "C01": (ERREUR, "EcritureDate au format AAAAMMJJ"),
    "C02": (ERREUR, "PieceDate au format AAAAMMJJ"),
    "C03": (ERREUR, "ValidDate au format AAAAMMJJ"),
    "C04": (ERREUR, "DateLet au format AAAAMMJJ"),
    "C05": (ERREUR, "EcritureDate dans la période de l'exercice"),
    "C06": (ERREUR, "ValidDate postérieure ou égale à EcritureDate"),
    "C07": (ERREUR, "numérotation des écritures dans l'ordre chronologique de validation, dans chaque journal"),
    "C08": (AVERTISSEMENT, "écritures sans date de validation"),
    "L01": (AVERTISSEMENT, "EcritureLet et DateLet remplis ensemble ou vides ensemble"),
    "N01": (ERREUR, "une seule EcritureDate par écriture (JournalCode, EcritureNum)"),
    "N02": (ERREUR, "numéros d'écriture continus dans chaque journal, sans numéro manquant"),
}
_DATE_RULES = {"EcritureDate": "C01", "PieceDate": "C02", "ValidDate": "C03", "DateLet": "C04"}

_AMOUNT = re.compile(r"(?P<lead>[+-]?)(?P<int>[0-9]+)(?:(?P<point>[.,])(?P<dec>[0-9]*))?(?P<trail>[+-]?)")
_DATE = re.compile(r"[0-9]{8}")
# a run of CRs, then maybe a LF: CR CR LF (seen in real exports) is one line end, not an empty line; CRs
# without a LF end a line each. One pass, no backtracking (`\r*\n|\r` is quadratic on a run of CRs).
_LINE_END = re.compile(r"\r+\n?|\n")
# a general ledger of a large association is about 100 MB; the reader keeps about 16 times the file in memory
MAX_BYTES = 256 * 1024 * 1024
_PAD = " \t\x00"


class FecError(ValueError):
    """A FEC that cannot be read (or would not be written valid): the message names the file and the line."""


@dataclass
class FecLine:
    """One entry line: typed values, and for a line read from a file, where and what it was.

    Empty dates and unreadable ones are None (`raw` tells them apart); an empty amount is 0, an unreadable one
    None. `raw` holds each field's text as read, spaces trimmed, by column name (FEC_COLUMNS, or Montant/Sens).
    """

    journal_code: str
    journal_lib: str
    ecriture_num: str
    ecriture_date: dt.date | None
    compte_num: str
    compte_lib: str
    comp_aux_num: str = ""
    comp_aux_lib: str = ""
    piece_ref: str = ""
    piece_date: dt.date | None = None
    ecriture_lib: str = ""
    debit: Decimal | None = Decimal("0")
    credit: Decimal | None = Decimal("0")
    ecriture_let: str = ""
    date_let: dt.date | None = None
    valid_date: dt.date | None = None
    montant_devise: Decimal | None = None
    idevise: str = ""
    extra: dict[str, str] = field(default_factory=dict)  # DateRglt, ModeRglt, NatOp, IdClient, other columns
    number: int = 0  # line number in the file (the header is line 1); 0 for a line not read from a file
    raw: dict[str, str] = field(default_factory=dict, repr=False)
    field_count: int = 0  # fields on the line (a separator ending every line not counted)
    separator: str = ""  # the separator the line was cut on (another one than the file's: rule A02)
    line_end: str = ""  # "\r\n", "\n", "\r", "\r\r\n" or "" (last line)

    @property
    def entry(self) -> tuple[str, str]:
        return (self.journal_code, self.ecriture_num)


@dataclass
class FecFile:
    name: str
    encoding: str  # "utf-8", "utf-8-sig" (with a BOM), "iso-8859-15" or "cp1252"
    separator: str  # "\t" or "|"
    header: list[str]  # the column names as written (trimmed)
    columns: list[str | None]  # their standard names (None: a column the arrêté does not know)
    lines: list[FecLine]
    trailing_separator: bool = False  # every line ends with the separator (tolerated, as by Test Compta Demat)
    montant_sens: bool = False  # Montant + Sens instead of Debit + Credit
    header_line_end: str = ""
    header_line: int = 1  # the header's line number (blank lines before it are skipped)

    @property
    def total_debit(self) -> Decimal:
        return sum((line.debit for line in self.lines if line.debit is not None), Decimal("0"))

    @property
    def total_credit(self) -> Decimal:
        return sum((line.credit for line in self.lines if line.credit is not None), Decimal("0"))


@dataclass(frozen=True)
class FecProblem:
    code: str  # rule code, see RULES
    lines: tuple[int, ...]  # the lines concerned (empty for the whole file)
    field: str | None  # the column concerned, if one
    message: str  # in French, naming the file, the line(s) and the field

    @property
    def severity(self) -> str:
        return RULES[self.code][0]

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


# ---------------------------------------------------------------------------------------------------- reading


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


class LedgerLine(NamedTuple):
    """A line of a general ledger as the réciprocité reads it (the values read_fec gives)."""

    journal_code: str
    ecriture_num: str
    ecriture_date: dt.date | None
    compte_num: str
    comp_aux_num: str
    comp_aux_lib: str
    piece_ref: str
    ecriture_lib: str
    debit: Decimal | None
    credit: Decimal | None


_LEDGER_COLUMNS = ("JournalCode", "EcritureNum", "EcritureDate", "CompteNum", "CompAuxNum", "CompAuxLib", "PieceRef")
_LEDGER_COLUMNS += ("EcritureLib", "Debit", "Credit", "Montant", "Sens")


OPENING_JOURNALS = ("AN", "RAN", "ANO")  # the à-nouveaux that open a fiscal year's FEC


@dataclass
class Ledger:
    name: str
    encoding: str
    rows: int  # lines below the header
    last_date: dt.date | None  # the latest entry date of any line
    lines: list[LedgerLine]  # the lines of the accounts asked for
    opening: dt.date | None = None  # the earliest date of the à-nouveaux, of any account


def read_ledger(data: bytes, name: str, accounts: str) -> Ledger:
    """What the réciprocité needs of a general ledger: the lines of the accounts starting with `accounts`,
    read as `read_fec` reads them, the number of lines, the latest entry date and the date of the
    à-nouveaux; the same FecError for a file it cannot read. Only those lines are built: the accounting
    department's ledger holds every account (247,171 lines by October for a 12,000-resident association,
    half of them on 411; read_fec took 2.5 times as long on them)."""
    encoding, records, layout = _records(data, name)
    positions = dict(layout.read)
    width = len(layout.header)
    # each line is padded to the header's width plus one empty field: a column the file lacks reads it (-1)
    at = {column: positions.get(column, -1) for column in _LEDGER_COLUMNS}
    journal, number, day, account, aux, aux_name, piece, label, debit_at, credit_at, *_ = at.values()
    separator, other = layout.separator, "|" if layout.separator == "\t" else "\t"
    zero = Decimal("0")
    last = opening = None
    lines = []
    for _, line, _ in records[1:]:
        used = separator
        if used not in line and line.count(other) >= width - 1:
            used = other  # as _Layout.cut, without trimming the fields this does not read
        values = line.split(used)
        if len(values) < width:
            values.extend([""] * (width - len(values)))
        values.append("")
        entry_date = _date(values[day].strip(_PAD))
        if entry_date and (last is None or entry_date > last):
            last = entry_date
        if entry_date and values[journal].strip(_PAD) in OPENING_JOURNALS and (opening is None or entry_date < opening):
            opening = entry_date
        if not values[account].strip(_PAD).startswith(accounts):
            continue
        if layout.montant_sens:
            debit, credit = layout.debit_credit({c: values[p].strip(_PAD) for c, p in at.items()})
        else:
            debit, credit = values[debit_at].strip(_PAD), values[credit_at].strip(_PAD)
            debit, credit = _amount(debit) if debit else zero, _amount(credit) if credit else zero
        lines.append(
            LedgerLine(
                values[journal].strip(_PAD),
                values[number].strip(_PAD),
                entry_date,
                values[account].strip(_PAD),
                values[aux].strip(_PAD),
                values[aux_name].strip(_PAD),
                values[piece].strip(_PAD),
                values[label].strip(_PAD),
                debit,
                credit,
            )
        )
    return Ledger(name, encoding, len(records) - 1, last, lines, opening)


# ------------------------------------------------------------------------------------------------- validation


def _where(name: str, lines: Iterable[int], column: str | None = None) -> str:
    numbers = sorted(set(lines))
    place = f"ligne {numbers[0]}" if len(numbers) == 1 else "lignes " + ", ".join(map(str, numbers[:10]))
    if len(numbers) > 10:
        place += f"… ({len(numbers)} lignes)"
    return f"{name}, {place}" + (f", champ {column}" if column else "")


def _separator_name(separator: str) -> str:
    return "tabulation" if separator == "\t" else f"« {separator} »"


def _header_problems(fec: FecFile) -> list[FecProblem]:
    name = fec.name
    header = [column or raw for column, raw in zip(fec.columns, fec.header, strict=True)]
    base = list(MONTANT_SENS_COLUMNS if fec.montant_sens else FEC_COLUMNS)
    cash = [column for column in CASH_BASIS_COLUMNS if column in header]
    expected = base + cash
    details = []
    missing = [column for column in base if column not in header]
    if cash and cash not in [list(CASH_BASIS_COLUMNS[:k]) for k in (2, 3, 4)]:
        missing += [column for column in CASH_BASIS_COLUMNS[:2] if column not in header]
    if missing:
        details.append("manquante(s) : " + ", ".join(missing))
    unexpected = [raw for column, raw in zip(header, fec.header, strict=True) if column not in expected]
    if unexpected:
        details.append("inattendue(s) : " + printable(", ".join(unexpected), 200))
    duplicated = sorted({column for column in header if header.count(column) > 1})
    if duplicated:
        details.append("en double : " + printable(", ".join(duplicated), 200))
    if details:
        return [
            FecProblem(
                "A03",
                (fec.header_line,),
                None,
                f"{name}, ligne {fec.header_line} : en-tête de {len(header)} colonnes, {len(expected)} attendues — "
                + " ; ".join(details),
            )
        ]
    if header != expected:
        moved = [
            f"position {i + 1} : « {printable(raw, 40)} » au lieu de « {want} »"
            for i, (got, raw, want) in enumerate(zip(header, fec.header, expected, strict=True))
            if got != want
        ]
        return [
            FecProblem(
                "A04",
                (fec.header_line,),
                None,
                f"{name}, ligne {fec.header_line} : ordre des colonnes incorrect — " + " ; ".join(moved),
            )
        ]
    return []


def _entry(journal: str, number: str) -> str:
    """A journal code and entry number as a message shows them (short, without control characters)."""
    return f"{printable(journal, 40)} {printable(number, 40)}"


def _natural(number: str) -> tuple:
    """EcritureNum "ANO000000012" or "12": compared part by part, digits as numbers (so that 9 < 10)."""
    parts = re.findall(r"[0-9]+|[^0-9]+", number)  # ASCII digits only ("²" is a digit for str.isdigit)
    # a number compared by its length without leading zeros, then its digits: int() refuses over 4300 digits
    return tuple(
        (0, len(part.lstrip("0")), part.lstrip("0")) if part[0] in "0123456789" else (1, 0, part) for part in parts
    )


# a counter longer than this is not judged for gaps (no accounting software numbers past 10^18; int() is safe)
_COUNTER_DIGITS = 18
_LAST_COUNTER = re.compile(r"([^0-9]*)([0-9]+)")  # on the reversed number: one pass, no backtracking


def _counter(number: str) -> tuple[str, str, str, int] | None:
    """EcritureNum "VT-2025-000012": its series ("VT-2025-", "" after), its counter as written and as a number;
    None for a number without digits or with a counter too long to be one."""
    match = _LAST_COUNTER.match(number[::-1])
    if not match:
        return None
    suffix, digits = match[1][::-1], match[2][::-1]
    if len(digits.lstrip("0")) > _COUNTER_DIGITS:
        return None
    return number[: len(number) - len(suffix) - len(digits)], suffix, digits, int(digits)


def _holes(values: list[int]) -> list[tuple[int, int]]:
    """The runs of counters missing between the smallest and the largest of `values` (sorted), first and last."""
    return [(before + 1, after - 1) for before, after in zip(values, values[1:], strict=False) if after > before + 1]


def _missing(holes: list[tuple[int, int]]) -> int:
    return sum(last - first + 1 for first, last in holes)


def _gap_problems(name: str, entries: dict[tuple[str, str], list[FecLine]]) -> list[FecProblem]:
    """Rule N02: within one journal and one series (the text around the number's last run of digits), no counter
    missing between the smallest and the largest. A series found in several journals may also be one numbering
    for all of them: it is judged so when that fits its numbers better, fewer counters missing or used by two
    journals (none: no problem), and its gaps are then told once, for all its journals."""
    series: dict[tuple[str, str], dict[str, dict[int, tuple[str, int]]]] = {}
    for (journal, number), group in entries.items():
        counter = _counter(number)
        if counter is not None:
            prefix, suffix, digits, value = counter
            counters = series.setdefault((prefix, suffix), {}).setdefault(journal, {})
            counters.setdefault(value, (digits, group[0].number))
    problems = []
    for (prefix, suffix), journals in series.items():
        own = {journal: _holes(sorted(counters)) for journal, counters in journals.items()}
        missing = sum(_missing(holes) for holes in own.values())
        if not missing:
            continue
        held: dict[int, tuple[str, int]] = {}
        for counters in journals.values():
            held.update(counters)
        if len(journals) > 1:
            common = _holes(sorted(held))
            twice = sum(len(counters) for counters in journals.values()) - len(held)  # counters of two journals
            if _missing(common) + twice < missing:
                if common:
                    codes = ", ".join(printable(journal, 20) for journal in list(journals)[:5])
                    who = f"journaux {codes}{', …' if len(journals) > 5 else ''} (une numérotation commune)"
                    problems.append(_gap_problem(name, who, common, held, prefix, suffix))
                continue
        for journal, holes in own.items():
            if holes:
                who = f"journal {printable(journal, 40)}"
                problems.append(_gap_problem(name, who, holes, journals[journal], prefix, suffix))
    return sorted(problems, key=lambda problem: problem.lines)


def _gap_problem(
    name: str, who: str, holes: list[tuple[int, int]], counters: dict[int, tuple[str, int]], prefix: str, suffix: str
) -> FecProblem:
    """N02 for the counters missing in `holes`, shown as the file writes its numbers; the lines are the first
    ones of the entries around each gap."""
    lines = sorted({counters[value][1] for first, last in holes for value in (first - 1, last + 1)})
    width = len(counters[holes[0][0] - 1][0])
    shown = [[printable(f"{prefix}{value:0{width}d}{suffix}", 40) for value in hole] for hole in holes[:5]]
    listed = ", ".join(first if first == last else f"{first} à {last}" for first, last in shown)
    return FecProblem(
        "N02",
        tuple(lines),
        "EcritureNum",
        f"{_where(name, lines, 'EcritureNum')} : {who}, {_missing(holes)} numéro(s) d'écriture manquant(s) : "
        f"{listed}{', …' if len(holes) > 5 else ''} ; les numéros se suivent sans trou",
    )


def validate(fec: FecFile, period: tuple[dt.date, dt.date] | None = None) -> list[FecProblem]:
    """Every problem of the file, in file order then the file-wide ones. `period` (first and last day of the
    fiscal year, or of the month of an export) turns rule C05 on."""
    name = fec.name
    problems = _header_problems(fec)
    width = len(fec.header)
    other = "|" if fec.separator == "\t" else "\t"
    if any(other in column for column in fec.header):
        problems.append(
            FecProblem(
                "A02",
                (fec.header_line,),
                None,
                f"{name}, ligne {fec.header_line} : l'en-tête mêle tabulations et « | » comme séparateurs",
            )
        )
    decimal_point: tuple[str, int] | None = None  # the first decimal separator of the file, and its line
    entries: dict[tuple[str, str], list[FecLine]] = {}
    for line in fec.lines:
        n = line.number
        raw = line.raw

        def add(code: str, column: str | None, text: str, n: int = n) -> None:
            problems.append(FecProblem(code, (n,), column, f"{_where(name, [n], column)} : {text}"))

        if line.separator != fec.separator:
            add(
                "A02",
                None,
                f"séparateur {_separator_name(line.separator)} alors que l'en-tête utilise "
                f"{_separator_name(fec.separator)}",
            )
        if line.field_count != width:
            add("A05", None, f"{line.field_count} champs au lieu de {width}")
        for column in REQUIRED:
            if not raw[column]:
                add("A07", column, "champ obligatoire vide")
        amount_columns = ("Montant",) if fec.montant_sens else ("Debit", "Credit")
        for column in amount_columns + ("Montantdevise",):
            text = raw.get(column, "")
            if not text:
                continue
            match = _AMOUNT.fullmatch(text)
            if _amount(text) is None:
                add(
                    "B03",
                    column,
                    f"montant illisible « {printable(text, 40)} » (chiffres, virgule décimale, sans espace)",
                )
            elif match["dec"] is not None and len(match["dec"]) > 4:
                add("B03", column, f"montant « {printable(text, 40)} » à plus de 4 décimales")
            elif match["point"] and column != "Montantdevise":
                if decimal_point is None:
                    decimal_point = (match["point"], n)
                elif match["point"] != decimal_point[0]:
                    add(
                        "B03",
                        column,
                        f"séparateur décimal « {match['point']} » alors que le fichier utilise "
                        f"« {decimal_point[0]} » (ligne {decimal_point[1]})",
                    )
        if fec.montant_sens and raw["Sens"].upper() not in ("D", "C", "+1", "-1"):
            add("B03", "Sens", f"sens « {printable(raw['Sens'], 40)} » illisible (D, C, +1 ou -1 attendu)")
        readable = line.debit is not None and line.credit is not None
        if readable and not line.debit and not line.credit:
            add("A07", "Debit", "ni débit ni crédit : un montant non nul est attendu")
        if readable and line.debit and line.credit:
            add(
                "B04",
                "Credit",
                f"débit {printable(str(line.debit), 40)} et crédit {printable(str(line.credit), 40)} sur la même ligne",
            )
        if bool(line.comp_aux_num) != bool(line.comp_aux_lib):
            filled, empty = ("CompAuxNum", "CompAuxLib") if line.comp_aux_num else ("CompAuxLib", "CompAuxNum")
            add(
                "B05",
                empty,
                f"vide alors que {filled} est rempli (« {printable(raw[filled], 40)} ») ; les deux vont ensemble",
            )
        if line.comp_aux_num and line.compte_num and not line.compte_num.startswith("4"):
            add(
                "B06",
                "CompAuxNum",
                f"compte auxiliaire « {printable(line.comp_aux_num, 40)} » sur le compte "
                f"{printable(line.compte_num, 40)}, qui n'est pas un compte de tiers (classe 4)",
            )
        for column, code in _DATE_RULES.items():
            text = raw[column]
            if not text or (column != "EcritureDate" and _is_empty_date(text)):
                continue
            if _date(text) is None:
                add(code, column, f"date « {printable(text, 40)} » invalide (AAAAMMJJ attendu)")
        if line.ecriture_date and line.valid_date and line.valid_date < line.ecriture_date:
            add(
                "C06",
                "ValidDate",
                f"validée le {line.valid_date:%d/%m/%Y}, avant la date de l'écriture ({line.ecriture_date:%d/%m/%Y})",
            )
        has_let, has_date_let = bool(line.ecriture_let), not _is_empty_date(raw["DateLet"])
        if has_let != has_date_let:
            if has_let:
                add(
                    "L01",
                    "DateLet",
                    f"vide alors que l'écriture est lettrée (EcritureLet « {printable(line.ecriture_let, 40)} »)",
                )
            else:
                add("L01", "EcritureLet", f"vide alors que DateLet est rempli (« {printable(raw['DateLet'], 40)} »)")
        if period and line.ecriture_date and not period[0] <= line.ecriture_date <= period[1]:
            add(
                "C05",
                "EcritureDate",
                f"écriture du {line.ecriture_date:%d/%m/%Y} hors de la période du {period[0]:%d/%m/%Y} au "
                f"{period[1]:%d/%m/%Y}",
            )
        if line.journal_code and line.ecriture_num:
            entries.setdefault(line.entry, []).append(line)

    total_debit, total_credit = fec.total_debit, fec.total_credit
    for (journal, number), group in entries.items():
        debit = sum((x.debit for x in group if x.debit is not None), Decimal("0"))
        credit = sum((x.credit for x in group if x.credit is not None), Decimal("0"))
        if debit != credit:
            numbers = [x.number for x in group]
            problems.append(
                FecProblem(
                    "B01",
                    tuple(numbers),
                    None,
                    f"{_where(name, numbers)} : écriture {_entry(journal, number)} déséquilibrée — débit {debit}, "
                    f"crédit {credit}, écart {debit - credit}",
                )
            )
        dates = {x.ecriture_date for x in group if x.ecriture_date}
        if len(dates) > 1:
            numbers = [x.number for x in group]
            problems.append(
                FecProblem(
                    "N01",
                    tuple(numbers),
                    "EcritureDate",
                    f"{_where(name, numbers, 'EcritureDate')} : écriture {_entry(journal, number)} à {len(dates)} "
                    f"dates différentes, du {min(dates):%d/%m/%Y} au {max(dates):%d/%m/%Y} ; une écriture a une "
                    "seule date de comptabilisation",
                )
            )
    if total_debit != total_credit:
        problems.append(
            FecProblem(
                "B02",
                (),
                None,
                f"{name} : fichier déséquilibré — total des débits {total_debit}, total des crédits {total_credit}, "
                f"écart {total_debit - total_credit}",
            )
        )

    journals: dict[str, list[tuple[str, dt.date, list[FecLine]]]] = {}
    unvalidated = []
    for (journal, number), group in entries.items():
        if not any(x.raw["ValidDate"] for x in group):
            unvalidated.append((journal, number, group))
            continue
        # numbers follow the order of validation (A47 A-1: the entries in the chronological order of their
        # validation; software numbers an entry when it validates it): its ValidDate, else its EcritureDate
        date = next((x.valid_date for x in group if x.valid_date), None) or next(
            (x.ecriture_date for x in group if x.ecriture_date), None
        )
        if date is not None:
            journals.setdefault(journal, []).append((number, date, group))
    for journal, numbered in journals.items():
        numbered.sort(key=lambda item: _natural(item[0]))
        for (before, before_date, _), (number, date, group) in zip(numbered, numbered[1:], strict=False):
            if date < before_date:
                numbers = [x.number for x in group]
                problems.append(
                    FecProblem(
                        "C07",
                        tuple(numbers),
                        "EcritureNum",
                        f"{_where(name, numbers, 'EcritureNum')} : journal {printable(journal, 40)}, l'écriture "
                        f"{printable(number, 40)} validée le {date:%d/%m/%Y} suit l'écriture "
                        f"{printable(before, 40)} validée le {before_date:%d/%m/%Y} ; les numéros doivent suivre "
                        "l'ordre chronologique de validation",
                    )
                )
    problems += _gap_problems(name, entries)
    if unvalidated:
        numbers = [group[0].number for _, _, group in unvalidated]
        sample = ", ".join(_entry(journal, number) for journal, number, _ in unvalidated[:10])
        problems.append(
            FecProblem(
                "C08",
                tuple(numbers),
                "ValidDate",
                f"{_where(name, numbers, 'ValidDate')} : {len(unvalidated)} écriture(s) sans date de validation "
                f"({sample}{'…' if len(unvalidated) > 10 else ''})",
            )
        )

    ends: dict[str, int] = {}
    for end in [fec.header_line_end] + [line.line_end for line in fec.lines]:
        if end:
            ends[end] = ends.get(end, 0) + 1
    if len(ends) > 1:
        shown = {"\r\n": "CRLF", "\n": "LF", "\r": "CR", "\r\r\n": "CR CR LF"}
        kinds = list(ends.items())
        counts = ", ".join(f"{shown.get(end, f'{len(end) - 1} CR + LF')} × {count}" for end, count in kinds[:6])
        counts += ", …" if len(kinds) > 6 else ""
        problems.append(FecProblem("A06", (), None, f"{name} : fins de ligne mélangées ({counts})"))
    return problems


# ---------------------------------------------------------------------------------------------------- writing


def _text(value: str, separator: str, index: int, column: str) -> str:
    text = (value or "").strip(_PAD)
    if separator in text or "\r" in text or "\n" in text:
        raise FecError(
            f"ligne d'écriture {index}, champ {column} : « {text} » contient le séparateur ou un saut de ligne"
        )
    return text


def _money(value: Decimal | None, index: int, column: str, optional: bool = False) -> str:
    if value is None and optional:
        return ""
    if not isinstance(value, Decimal):
        raise FecError(f"ligne d'écriture {index}, champ {column} : montant Decimal attendu, pas {value!r}")
    cents = value.quantize(Decimal("0.01"))
    if cents != value:
        raise FecError(f"ligne d'écriture {index}, champ {column} : {value} a plus de deux décimales")
    return str(cents).replace(".", ",")


def _day(value: dt.date | None, index: int, column: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, dt.date):
        raise FecError(f"ligne d'écriture {index}, champ {column} : date attendue, pas {value!r}")
    return f"{value:%Y%m%d}"


_TEXT_ATTRIBUTES = {
    "JournalCode": "journal_code",
    "JournalLib": "journal_lib",
    "EcritureNum": "ecriture_num",
    "CompteNum": "compte_num",
    "CompteLib": "compte_lib",
    "CompAuxNum": "comp_aux_num",
    "CompAuxLib": "comp_aux_lib",
    "PieceRef": "piece_ref",
    "EcritureLib": "ecriture_lib",
    "EcritureLet": "ecriture_let",
    "Idevise": "idevise",
}
_DATE_ATTRIBUTES = {
    "EcritureDate": "ecriture_date",
    "PieceDate": "piece_date",
    "DateLet": "date_let",
    "ValidDate": "valid_date",
}
_MONEY_ATTRIBUTES = {"Debit": "debit", "Credit": "credit", "Montantdevise": "montant_devise"}


def _row(line: FecLine, separator: str, index: int) -> list[str]:
    out = []
    for column in FEC_COLUMNS:
        if column in _TEXT_ATTRIBUTES:
            out.append(_text(getattr(line, _TEXT_ATTRIBUTES[column]), separator, index, column))
        elif column in _DATE_ATTRIBUTES:
            out.append(_day(getattr(line, _DATE_ATTRIBUTES[column]), index, column))
        else:
            value = getattr(line, _MONEY_ATTRIBUTES[column])
            out.append(_money(value, index, column, optional=column == "Montantdevise"))
    return out


def _values(line: FecLine) -> tuple:
    texts = tuple((getattr(line, attribute) or "").strip(_PAD) for attribute in _TEXT_ATTRIBUTES.values())
    return (
        texts
        + tuple(getattr(line, attribute) for attribute in _DATE_ATTRIBUTES.values())
        + tuple(getattr(line, attribute) for attribute in _MONEY_ATTRIBUTES.values())
    )


def write_fec(
    lines: Iterable[FecLine],
    separator: str = "|",
    encoding: str = "iso-8859-15",
    line_end: str = "\r\n",
    name: str = "ecritures.txt",
    period: tuple[dt.date, dt.date] | None = None,
) -> bytes:
    """The 18-column FEC of `lines`, in their order: header, then one record per line, each ended by `line_end`
    (CR LF by default: A47 A-1 I 1° separates records by "Retour chariot et/ou Fin de ligne"; Test Compta Demat
    reads both). Refuses (FecError) a value that cannot be written as it is (separator or line break in a text,
    more than two decimals, a character the encoding lacks) and a result `validate` finds any problem in."""
    if separator not in ("|", "\t"):
        raise FecError(f"{name} : séparateur {separator!r} non admis (tabulation ou | seulement)")
    if line_end not in ("\r\n", "\n"):
        raise FecError(f"{name} : fin de ligne {line_end!r} non admise (CRLF ou LF)")
    lines = list(lines)
    records = [separator.join(FEC_COLUMNS)]
    records += [separator.join(_row(line, separator, index)) for index, line in enumerate(lines, start=1)]
    text = "".join(record + line_end for record in records)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError as exc:
        index = text[: exc.start].count(line_end)
        raise FecError(
            f"{name}, ligne {index + 1} : « {text[exc.start : exc.end]} » n'existe pas en {encoding}"
        ) from None
    except LookupError:
        raise FecError(f"{name} : encodage {encoding!r} inconnu") from None
    fec = read_fec(data, name)
    problems = validate(fec, period)
    if problems:
        shown = "\n".join(str(problem) for problem in problems[:20])
        more = f"\n… et {len(problems) - 20} autres" if len(problems) > 20 else ""
        raise FecError(f"{name} : FEC non conforme, non écrit ({len(problems)} problème(s)) :\n{shown}{more}")
    for index, (written, read) in enumerate(zip(lines, fec.lines, strict=True), start=1):
        if _values(written) != _values(read):
            raise FecError(f"{name}, ligne {index + 1} : relu autrement qu'écrit (encodage {encoding})")
    return data
