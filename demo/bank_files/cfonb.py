"""The CFONB 120 writer (records of 120 characters, latin-1, CRLF): see demo/bank_files/__init__.py for the
records and zones."""

from __future__ import annotations

import datetime as dt
import textwrap
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from demo.bank_files.statement import (
    _CODES,
    _REVERSED,
    Movement,
    StatementData,
    _ascii,
    _cents,
    _check_statement,
    _kind,
)

CFONB_DETAIL_WIDTH = 70
CFONB_LABEL_WIDTH = 31
CFONB_REFERENCE_WIDTH = 16


def cfonb120(statements: list[StatementData], bank_code: str, branch_code: str, account_number: str) -> bytes:
    """The statements of one account as a CFONB 120 file (records 01, 04, 05, 07; latin-1, CRLF)."""
    if not statements:
        raise ValueError("CFONB 120 : aucun relevé à écrire")
    if len({s.iban for s in statements}) > 1:
        raise ValueError("CFONB 120 : un fichier par compte (les relevés donnés portent sur plusieurs IBAN)")
    for value, width, what in ((bank_code, 5, "code banque"), (branch_code, 5, "code guichet")):
        if len(value) != width or not value.isdigit():
            raise ValueError(f"CFONB 120 : {what} « {value} » : {width} chiffres attendus")
    if len(account_number) != 11 or not (account_number.isascii() and account_number.isalnum()):
        raise ValueError(f"CFONB 120 : numéro de compte « {account_number} » : 11 caractères attendus")
    records: list[str] = []
    for s in statements:
        _check_statement(s)
        account = _Account(bank_code, branch_code, account_number.upper(), s.currency)
        records.append(account.balance("01", s.opening_date - dt.timedelta(days=1), s.opening_balance))
        for rank, m in enumerate(s.movements, start=1):
            records.extend(_cfonb_movement(account, m, rank))
        records.append(account.balance("07", s.closing_date, s.closing_balance))
    for record in records:
        assert len(record) == 120, record
    return "".join(f"{r}\r\n" for r in records).encode("latin-1")


@dataclass(frozen=True)
class _Account:
    bank: str
    branch: str
    number: str
    currency: str

    def head(self, kind: str, internal_code: str) -> str:
        """Positions 1-32: record code, bank, internal operation code, branch, currency, decimals, account."""
        return f"{kind}{self.bank}{internal_code:4}{self.branch}{self.currency:3}2 {self.number}"

    def balance(self, kind: str, day: dt.date, amount: Decimal) -> str:
        return f"{self.head(kind, '')}  {day:%d%m%y}{'':50}{_overpunch(amount)}{'':16}"


def _cfonb_movement(account: _Account, m: Movement, rank: int) -> list[str]:
    kind = _kind(m)
    code = _CODES[kind].cfonb
    head = f"{account.head('04', '00' + code)}{code}{m.booking_date:%d%m%y}"
    reject = _REVERSED.get(kind, "") if m.reversal else ""
    if len(m.bank_ref) > CFONB_REFERENCE_WIDTH:
        raise ValueError(f"CFONB 120 : référence « {m.bank_ref} » de plus de {CFONB_REFERENCE_WIDTH} caractères")
    entry_number = f"{rank:07d}" if m.bank_ref else "0000000"
    records = [
        f"{head}{reject:2}{m.value_date or m.booking_date:%d%m%y}{_text(m.label, CFONB_LABEL_WIDTH)}"
        f"  {entry_number}00{_overpunch(m.amount)}{_text(m.bank_ref, CFONB_REFERENCE_WIDTH)}"
    ]
    detail_head = f"{account.head('05', '00' + code)}{code}{m.booking_date:%d%m%y}{'':5}"
    details = [("LIB", piece) for piece in _pieces(m.remittance)]
    if m.debtor_name:
        details.append(("NPY", m.debtor_name))
    if m.end_to_end_id:
        details.append(("RCN", m.end_to_end_id))
    if m.reversal and m.return_reason:
        details.append(("LIB", f"MOTIF {m.return_reason}"))
    records += [f"{detail_head}{q}{_text(t, CFONB_DETAIL_WIDTH)}  " for q, t in details]
    return records


def _pieces(text: str) -> list[str]:
    """The remittance text in pieces of at most 70 characters, cut between words where it can be."""
    return textwrap.wrap(_latin1(text), CFONB_DETAIL_WIDTH, break_on_hyphens=False)


def _overpunch(amount: Decimal) -> str:
    """14 positions: the amount in cents, its last digit replaced by a letter carrying the sign."""
    cents = _cents(amount)
    digits = f"{abs(cents):014d}"
    if len(digits) > 14:
        raise ValueError(f"CFONB 120 : montant {amount} trop grand")
    last = int(digits[-1])
    if cents < 0:
        sign = "}" if last == 0 else chr(ord("J") + last - 1)
    else:
        sign = "{" if last == 0 else chr(ord("A") + last - 1)
    return digits[:-1] + sign


def _text(text: str, width: int) -> str:
    return _latin1(text)[:width].ljust(width)


def _latin1(text: str) -> str:
    """The text as a CFONB file can carry it: latin-1, no control characters (accents outside latin-1
    are dropped, other characters become "?")."""
    out = []
    for char in text:
        if unicodedata.category(char).startswith("C"):
            out.append(" ")
        elif ord(char) < 256:
            out.append(char)
        else:
            out.append(_OUTSIDE_LATIN1.get(char) or _ascii(char) or "?")
    return "".join(out)


_OUTSIDE_LATIN1 = {"Œ": "OE", "œ": "oe", "€": "EUR", "’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"}
