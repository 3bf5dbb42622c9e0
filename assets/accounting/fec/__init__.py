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
(docs/rules.md) for the same rules, plus L01 (lettering pairs), N01 and N02 (entry numbering), which that tool
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

The package: `records` (the columns, the rule table, `FecLine`, `FecFile`, `FecProblem`), `read`, `write`,
`validate` (one function per rule group; `header` and `numbering` hold the header's and the entry numbers'
rules) and `general_ledger` (`read_general_ledger`, what the réciprocité reads of a general ledger).
"""

from assets.accounting.fec.general_ledger import OPENING_JOURNALS, GeneralLedger, LedgerLine, read_general_ledger
from assets.accounting.fec.read import MAX_BYTES, read_fec, read_fec_file
from assets.accounting.fec.records import (
    AVERTISSEMENT,
    CASH_BASIS_COLUMNS,
    ERREUR,
    FEC_COLUMNS,
    MONTANT_SENS_COLUMNS,
    REQUIRED,
    RULES,
    FecError,
    FecFile,
    FecLine,
    FecProblem,
)
from assets.accounting.fec.validate import validate
from assets.accounting.fec.write import write_fec

__all__ = [
    "AVERTISSEMENT",
    "CASH_BASIS_COLUMNS",
    "ERREUR",
    "FEC_COLUMNS",
    "MAX_BYTES",
    "MONTANT_SENS_COLUMNS",
    "OPENING_JOURNALS",
    "REQUIRED",
    "RULES",
    "FecError",
    "FecFile",
    "FecLine",
    "FecProblem",
    "GeneralLedger",
    "LedgerLine",
    "read_fec",
    "read_fec_file",
    "read_general_ledger",
    "validate",
    "write_fec",
]
