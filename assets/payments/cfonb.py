"""French CFONB 120 bank statements ("relevé de compte 120 caractères").

Records: 01 opening balance, 04 movement, 05 movement detail (qualifier LIB, LCC, NPY, RCN, REF, ...),
07 closing balance. Amounts have 14 positions whose last character carries the last digit and the sign
(`{` `A`-`I` positive, `}` `J`-`R` negative) and a number of decimals given in position 20 (blank:
2). Files may have no line breaks (records are then cut every 120 characters), blank lines, several
statements and accounts, blank currencies on balances, and data in the reserved zones (ignored).

`parse_cfonb120` is a plain function: bytes in, statements out, or a `CfonbError` naming the record
(line) and the position of what is wrong. The whole file is rejected on the first error, and so is a file
over `MAX_BYTES` or an amount of `MAX_AMOUNT` or more.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Literal, overload

from assets.payments.statements import MAX_AMOUNT, BankLine, Statement, hashed_id

# 120 bytes a record: 64 MB is over 500,000 movements, years of a large association's account
MAX_BYTES = 64 * 1024 * 1024

_OVERPUNCH = {"{": ("+", "0"), "}": ("-", "0")}
_OVERPUNCH.update({chr(ord("A") + i): ("+", str(i + 1)) for i in range(9)})
_OVERPUNCH.update({chr(ord("J") + i): ("-", str(i + 1)) for i in range(9)})


_DIGITS = re.compile(r"[0-9]+")  # ASCII digits only (str.isdigit accepts "²")


class CfonbError(ValueError):
    """A CFONB 120 file that cannot be read: the message names the file, record and position."""


def _records(data: bytes, name: str) -> list[tuple[int, str]]:
    try:
        text = data.decode("latin-1")
    except UnicodeDecodeError as exc:  # pragma: no cover - latin-1 decodes any byte
        raise CfonbError(f"{name} : {exc}") from None
    text = text.lstrip("\ufeff")
    # only CR and LF end a record (str.splitlines would also cut on \x85, the "…" of Windows-1252)
    lines = (
        re.split(r"\r\n|\n|\r", text)
        if ("\n" in text or "\r" in text)
        else [text[i : i + 120] for i in range(0, len(text), 120)]
    )
    out = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if len(line.rstrip("\r\n")) != 120:
            raise CfonbError(f"{name}, enregistrement {number} : {len(line)} caractères au lieu de 120")
        out.append((number, line))
    if not out:
        raise CfonbError(f"{name} : aucun enregistrement")
    return out


@overload
def _date(text: str, name: str, number: int, position: int, optional: Literal[False] = False) -> dt.date: ...
@overload
def _date(text: str, name: str, number: int, position: int, optional: bool) -> dt.date | None: ...
def _date(text: str, name: str, number: int, position: int, optional: bool = False) -> dt.date | None:
    if optional and not text.strip(" 0"):
        return None
    try:
        return dt.datetime.strptime(text, "%d%m%y").date()
    except ValueError:
        raise CfonbError(
            f"{name}, enregistrement {number}, position {position} : date JJMMAA invalide « {text} »"
        ) from None


def _amount(text: str, decimals: str, name: str, number: int) -> Decimal:
    last = text[-1]
    digits = text[:-1]
    if last not in _OVERPUNCH or not _DIGITS.fullmatch(digits):
        raise CfonbError(f"{name}, enregistrement {number}, position 91 : montant illisible « {text} »")
    sign, digit = _OVERPUNCH[last]
    places = int(decimals) if _DIGITS.fullmatch(decimals) else 2
    value = Decimal(f"{sign}{digits}{digit}").scaleb(-places)
    if abs(value) >= MAX_AMOUNT:
        raise CfonbError(f"{name}, enregistrement {number}, position 91 : montant « {text} » hors limites")
    return value.quantize(Decimal("0.01")) if places <= 2 else value


def _account(line: str) -> str:
    return f"{line[2:7]}{line[11:16]}{line[21:32]}".replace(" ", "")


def _line_id(account: str, line: BankLine, seen: dict[str, int]) -> str:
    """The bank's entry number where it gives one, else a hash of the line (with its rank among identical
    lines of the same statement, so that two identical fees of a day stay two lines)."""
    if line.entry_number.strip(" 0"):
        return f"CFONB-{account}-{line.booking_date:%Y%m%d}-{line.entry_number.strip()}-{line.reference.strip()}"
    return hashed_id(
        "CFONB",
        [
            account,
            line.booking_date,
            line.value_date,
            line.amount,
            line.label,
            line.reference,
            ";".join(f"{q}{t}" for q, t in line.details),
        ],
        seen,
    )


def parse_cfonb120(data: bytes, name: str = "releve.cfo") -> list[Statement]:
    if len(data) > MAX_BYTES:
        raise CfonbError(f"{name} : fichier de {len(data)} octets, au-delà de la limite de {MAX_BYTES} octets")
    statements: list[Statement] = []
    current: Statement | None = None
    last_line: BankLine | None = None
    for number, line in _records(data, name):
        kind = line[:2]
        decimals = line[19]
        currency = line[16:19].strip()
        if kind == "01":
            if current is not None:
                raise CfonbError(
                    f"{name}, enregistrement {number} : nouveau relevé (01) alors que le précédent "
                    f"(enregistrement {current.record}) n'est pas clos par un 07"
                )
            current = Statement(
                _account(line),
                currency,
                _date(line[34:40], name, number, 35),
                _amount(line[90:104], decimals, name, number),
                record=number,
            )
            last_line = None
        elif kind == "04":
            if current is None:
                raise CfonbError(f"{name}, enregistrement {number} : mouvement (04) hors d'un relevé (pas de 01)")
            last_line = BankLine(
                line_id="",
                account=current.account,
                currency=currency or current.currency,
                booking_date=_date(line[34:40], name, number, 35),
                value_date=_date(line[42:48], name, number, 43, optional=True),
                amount=_amount(line[90:104], decimals, name, number),
                label=line[48:79].strip(),
                reference=line[104:120].strip(),
                entry_number=line[81:88].strip(),
                interbank_code=line[32:34],
                reject_code=line[40:42].strip(),
                record=number,
            )
            current.lines.append(last_line)
        elif kind == "05":
            if last_line is None:
                raise CfonbError(f"{name}, enregistrement {number} : complément (05) sans mouvement (04) avant lui")
            last_line.details.append((line[45:48].strip(), line[48:118].strip()))
        elif kind == "07":
            if current is None:
                raise CfonbError(f"{name}, enregistrement {number} : nouveau solde (07) sans relevé ouvert (pas de 01)")
            current.closing_date = _date(line[34:40], name, number, 35)
            current.closing_balance = _amount(line[90:104], decimals, name, number)
            current.currency = current.currency or currency
            statements.append(current)
            current, last_line = None, None
        else:
            raise CfonbError(
                f"{name}, enregistrement {number}, position 1 : code d'enregistrement « {kind} » inconnu "
                "(attendu 01, 04, 05 ou 07)"
            )
    if current is not None:
        raise CfonbError(f"{name} : le relevé ouvert à l'enregistrement {current.record} n'est pas clos par un 07")
    for statement in statements:
        seen: dict[str, int] = {}
        for bank_line in statement.lines:
            bank_line.currency = bank_line.currency or statement.currency or "EUR"
            # the payer's name (NPY) and the end-to-end reference (RCN) of SEPA operations, from the 05s
            bank_line.debtor_name = next((t for q, t in bank_line.details if q == "NPY" and t), "")
            bank_line.end_to_end_id = next((t for q, t in bank_line.details if q == "RCN" and t), "")
            bank_line.reversal = bool(bank_line.reject_code)  # a reject code: a returned operation
            bank_line.line_id = _line_id(statement.account, bank_line, seen)
    return statements
