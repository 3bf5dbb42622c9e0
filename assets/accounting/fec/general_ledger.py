"""The general ledger as the réciprocité reads it (`read_general_ledger`): the lines of some accounts of a FEC,
the number of its lines, its latest entry date and the date of its à-nouveaux, without building every line."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from assets.accounting.fec.read import _amount, _date, _records
from assets.accounting.fec.records import _PAD


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


_LEDGER_COLUMNS: tuple[str, ...] = (
    "JournalCode",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
)
_LEDGER_COLUMNS += ("EcritureLib", "Debit", "Credit", "Montant", "Sens")


OPENING_JOURNALS = ("AN", "RAN", "ANO")  # the à-nouveaux that open a fiscal year's FEC


@dataclass(frozen=True)
class GeneralLedger:
    name: str
    encoding: str
    rows: int  # lines below the header
    last_date: dt.date | None  # the latest entry date of any line
    lines: list[LedgerLine]  # the lines of the accounts asked for
    opening: dt.date | None = None  # the earliest date of the à-nouveaux, of any account


def read_general_ledger(data: bytes, name: str, accounts: str) -> GeneralLedger:
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
            debit_text, credit_text = values[debit_at].strip(_PAD), values[credit_at].strip(_PAD)
            debit, credit = _amount(debit_text) if debit_text else zero, _amount(credit_text) if credit_text else zero
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
    return GeneralLedger(name, encoding, len(records) - 1, last, lines, opening)
