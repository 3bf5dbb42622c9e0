"""The FEC's format and records: its columns, the rule table, the lines, the file and its problems as read.

See the package's docstring (assets/accounting/fec/__init__.py) for the layout and the rules.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from assets.common.csvfile import printable

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

_AMOUNT = re.compile(r"(?P<lead>[+-]?)(?P<int>[0-9]+)(?:(?P<point>[.,])(?P<dec>[0-9]*))?(?P<trail>[+-]?)")
_DATE = re.compile(r"[0-9]{8}")
# a run of CRs, then maybe a LF: CR CR LF (seen in real exports) is one line end, not an empty line; CRs
# without a LF end a line each. One pass, no backtracking (`\r*\n|\r` is quadratic on a run of CRs).
_LINE_END = re.compile(r"\r+\n?|\n")
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


@dataclass(frozen=True)
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


def _where(name: str, lines: Iterable[int], column: str | None = None) -> str:
    numbers = sorted(set(lines))
    place = f"ligne {numbers[0]}" if len(numbers) == 1 else "lignes " + ", ".join(map(str, numbers[:10]))
    if len(numbers) > 10:
        place += f"… ({len(numbers)} lignes)"
    return f"{name}, {place}" + (f", champ {column}" if column else "")


def _entry(journal: str, number: str) -> str:
    """A journal code and entry number as a message shows them (short, without control characters)."""
    return f"{printable(journal, 40)} {printable(number, 40)}"


Entries = dict[tuple[str, str], list[FecLine]]  # the lines of each entry (JournalCode, EcritureNum), in file order
