"""Workbooks dropped in place of a CSV (.xlsx, .xlsm, .xls, .ods), read as the same table the CSV reader gives
(`csvfile.CsvTable`: columns by their header's name, rows with their line number, rows set aside), so that every
reader of the inputs takes them through `csvfile.read_table`.

Reader: python-calamine, the binding of the Rust calamine library (the engine behind Polars' and pandas'
`read_excel(engine="calamine")`); it gives each cell with its own type and its row, where Polars/fastexcel
turn a column into one type (a date column with a typed-in date came back as text "2025-03-01 00:00:00", a
number as "1234.56" or "178"), and openpyxl reads .xlsx only, 10 times slower (a month's grid of 12,000
residents: 0.44 s, fastexcel 0.35 s, openpyxl 4.9 s; 360,000 rows in long form: 1.9 s, 1.5 s, 19.5 s).

Sheet: the one sheet whose first filled row holds the expected columns, wherever it is in the workbook; none
such: the first sheet, whose header is then refused as a CSV's would be; several: the file is refused, naming
them (a workbook keeping one sheet per month is not guessed at). The header is the sheet's first filled row;
a line is the sheet's row number, a column the header's name.

Cells as Excel stores them, not as it shows them: a date cell is the date (`AAAA-MM-JJ`, without a time of
day), whatever its display; a number that is whole is its digits (an identifier typed as a number, 178, is
"178"; a SIRET shown 2,26632E+13 is its 14 digits); any other number is its value to Excel's precision, 15
significant digits, so that a sum stored as 0.30000000000000004 is "0.3" and 1234.56 stays "1234.56", never a
binary float's tail; TRUE and FALSE are "VRAI" and "FAUX". A formula is read by its last computed value. An
error cell (#N/A, #DIV/0!) comes as empty: the reader gives no more.

Hostile files: the file is refused when it is not the workbook its name says, when it is protected by a
password, or when the archive of an .xlsx or .ods says its parts take more than `MAX_BYTES` once unzipped (a
small file that would fill memory, a "zip bomb").
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from decimal import Decimal
from pathlib import PurePosixPath

from assets.common.csvfile import (
    MAX_BYTES,
    CsvTable,
    Reject,
    UnreadableFile,
    _add_record,
    check_rejects,
    header_columns,
    printable,
)

# the endings of the workbooks read, and the format each holds
FORMATS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods"}
SUFFIXES = tuple(FORMATS)
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of an .xls, and of any workbook with a password
_LABELS = {"xlsx": "un classeur Excel (.xlsx)", "xls": "un classeur Excel 97-2003 (.xls)", "ods": "un classeur .ods"}


def is_workbook(name: str) -> bool:
    """Whether a file named `name` is read as a workbook."""
    return PurePosixPath(name).suffix.lower() in FORMATS


def number_text(value: float) -> str:
    """A number cell as a CSV would hold it: whole numbers as their digits, others to 15 significant digits
    (Excel's precision), with a point and never an exponent."""
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return format(Decimal(format(value, ".15g")), "f")


def cell_text(value: object) -> str:
    """One cell as the text a CSV saved by Excel would hold (see the module's docstring)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number_text(value)
    return str(value)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _check_container(data: bytes, name: str, fmt: str) -> None:
    """Refuse, before the reader sees them, bytes that are not the workbook the name says, and an archive that
    would unzip to more than MAX_BYTES."""
    if not data or data.isspace():
        raise UnreadableFile(f"{name} : fichier vide")
    expected = _OLE if fmt == "xls" else _ZIP
    if data.startswith(_OLE) and fmt != "xls":
        raise UnreadableFile(
            f"{name} : classeur protégé par un mot de passe (ou ancien format .xls) ; enregistrez-le sans mot de "
            "passe, au format .xlsx"
        )
    if not data.startswith(expected):
        raise UnreadableFile(
            f"{name} : ce fichier n'est pas {_LABELS[fmt]} comme son nom l'indique ; enregistrez-le depuis le "
            "tableur au format .xlsx, ou en « CSV (séparateur : point-virgule) » sous un nom en .csv"
        )
    if expected == _ZIP:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                unzipped = sum(part.file_size for part in archive.infolist())
        except (zipfile.BadZipFile, ValueError, EOFError) as exc:
            raise UnreadableFile(f"{name} : classeur endommagé ou tronqué ({printable(str(exc), 80)})") from None
        if unzipped > MAX_BYTES:
            raise UnreadableFile(
                f"{name} : classeur de {unzipped} octets une fois décompressé, au-delà de la limite de "
                f"{MAX_BYTES} octets"
            )


def _refusal(exc: BaseException, name: str) -> UnreadableFile:
    kind = type(exc).__name__
    if kind == "PasswordError":
        return UnreadableFile(f"{name} : classeur protégé par un mot de passe ; enregistrez-le sans mot de passe")
    return UnreadableFile(f"{name} : classeur illisible ({printable(str(exc) or kind, 120)})")


def _first_filled(rows: list[list]) -> int | None:
    return next((i for i, row in enumerate(rows) if any(cell_text(c).strip() for c in row)), None)


def read_workbook(data: bytes, name: str, required: set[str]) -> CsvTable:
    """The rows of the sheet of a workbook that holds the columns `required` (see the module's docstring), as
    `csvfile.parse_csv_text` gives a CSV's; UnreadableFile names the file and what is wrong."""
    fmt = FORMATS[PurePosixPath(name).suffix.lower()]
    _check_container(data, name, fmt)
    try:
        return _read(data, name, required, fmt)
    except UnreadableFile:
        raise
    except Exception as exc:  # the reader's own errors: CalamineError, XmlError, ZipError, PasswordError…
        raise _refusal(exc, name) from None
    except BaseException as exc:  # a panic of the Rust reader reaches Python as a BaseException
        if type(exc).__name__ != "PanicException":
            raise
        raise _refusal(exc, name) from None


def _read(data: bytes, name: str, required: set[str], fmt: str) -> CsvTable:
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheets = [m.name for m in book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
    found: list[tuple[str, list[list], int]] = []  # sheet, its rows, the index of its header row
    first: tuple[str, list[list], int | None] | None = None
    for sheet_name in sheets:
        rows = book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
        header = _first_filled(rows)
        if first is None:
            first = (sheet_name, rows, header)
        if header is not None and required <= {c.strip().lower() for c in map(cell_text, rows[header])}:
            found.append((sheet_name, rows, header))
    if len(found) > 1:
        listed = ", ".join(f"« {printable(s, 40)} »" for s, _, _ in found)
        raise UnreadableFile(
            f"{name} : {len(found)} feuilles portent les colonnes attendues ({listed}) ; laissez dans le classeur "
            "la seule feuille de ce fichier"
        )
    if found:
        sheet_name, rows, header = found[0]
    elif first is None or first[2] is None:
        raise UnreadableFile(f"{name} : classeur sans aucune cellule remplie")
    else:
        sheet_name, rows, header = first[0], first[1], first[2]
    cells = [cell_text(c) for c in rows[header]]
    while cells and not cells[-1].strip():
        cells.pop()
    try:
        columns = header_columns(cells, name, required, header + 1)
    except UnreadableFile as exc:
        if len(sheets) == 1:
            raise
        raise UnreadableFile(f"{exc} (feuille « {printable(sheet_name, 40)} »)") from None
    table = CsvTable(path=name, encoding=fmt, columns=columns)
    width = len(table.columns)
    for index in range(header + 1, len(rows)):
        line, row = index + 1, [cell_text(c) for c in rows[index]]
        beyond = next((i for i in range(width, len(row)) if row[i].strip()), None)
        if beyond is not None:
            table.rejects.append(
                Reject(
                    name,
                    line,
                    table.columns[-1],
                    row[0][:40],
                    f"cellule remplie en colonne {_column_letter(beyond)}, hors des colonnes de l'en-tête",
                )
            )
            check_rejects(table.rejects, name)
            continue
        _add_record(table, line, (row + [""] * width)[:width], last=False)
    return table


TABLE_SUFFIXES = (".csv", *SUFFIXES)  # the files read as a table: a CSV, or a workbook in its place


def refused_type(name: str, what: str = "le fichier") -> str | None:
    """Why the file `name`, dropped where a CSV or a workbook is read, is not read: a spreadsheet's lock file,
    or a type Recettes cannot read (a PDF, a text document, a Numbers file…); None for a CSV or a workbook.
    `what` is what to drop instead ("l'extrait")."""
    path = PurePosixPath(name)
    if path.name.startswith(("~$", ".~lock.")):
        return (
            f"{name} : fichier de verrouillage laissé par le tableur (le classeur est ouvert, ou n'a pas été fermé "
            "normalement) ; fermez le classeur, ou supprimez ce fichier s'il reste"
        )
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return None
    kind = f"« {printable(path.suffix, 20)} »" if suffix else "sans extension"
    return (
        f"{name} : type de fichier que Recettes ne lit pas ({kind}) ; déposez {what} en CSV (séparateur : "
        "point-virgule) ou en classeur .xlsx, .xls ou .ods"
    )
