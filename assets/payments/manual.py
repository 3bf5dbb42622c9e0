"""Manual receipts (`encaissements/*.csv`: cheques, cash, transfers entered by hand), docs/contract.md:
`date; montant; mode` (cheque, especes, virement, prelevement); `payeur; reference; numero_piece`.

Each row becomes a bank line of the manual "account" `MANUEL`, with a stable id: the piece number when
there is one, else a hash of the row (with its rank among identical rows of the file).

The file is the cell's running list, opened and saved again by Excel: a receipt must stay one receipt
whatever Excel did to it (piece numbers and payer codes without their leading zeros, dates `5/1/2025`,
amounts `1 234,56`, Windows-1252, CRLF, empty trailing columns). So a receipt is recognised by
`receipt_key`, made of what it says once read (the piece number and payer as `identifier_key` writes them,
the date as a date, the amount as a Decimal, the mode), not by its id: a receipt already stored, under an id
made from another spelling (`MAN-cheque-0012345`, the form first written, which the warehouse keeps), is
found by its key and not stored again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from assets.common.csvfile import Reject, read_table
from assets.common.fields import BadValue, check_digits_kept, identifier_key, parse_amount, parse_choice, parse_date
from assets.payments.statements import MAX_AMOUNT, BankLine, hashed_id

MODES = ("cheque", "especes", "virement", "prelevement")
REQUIRED = {"date", "montant", "mode"}


def parse_manual_receipts(
    data: bytes, name: str, payer_codes: Mapping[str, str] | None = None
) -> tuple[list[BankLine], list[Reject]]:
    """Receipts of one file and the rows set aside; raises UnreadableFile when the file cannot be read.
    `payer_codes` (identifier_key -> the code stored): a payer column naming a payer of the referential
    however its zeros were written (`U123`) is read as its stored code (`U000123`)."""
    table = read_table(data, name, REQUIRED)  # a CSV, or a workbook in its place
    lines: list[BankLine] = []
    rejects = list(table.rejects)
    seen: dict[str, int] = {}
    for line_no, cells in table.rows:
        try:
            day = parse_date(cells["date"])
        except BadValue as exc:
            rejects.append(Reject(name, line_no, "date", cells["date"], str(exc)))
            continue
        try:
            amount = parse_amount(cells["montant"])
            if amount == 0:
                raise BadValue("montant nul")
            if abs(amount) >= MAX_AMOUNT:
                raise BadValue("montant hors limites")
        except BadValue as exc:
            rejects.append(Reject(name, line_no, "montant", cells["montant"], str(exc)))
            continue
        try:
            mode = parse_choice(cells["mode"], MODES)
        except BadValue as exc:
            rejects.append(Reject(name, line_no, "mode", cells["mode"], str(exc)))
            continue
        payer, reference, piece = (cells.get(k, "") for k in ("payeur", "reference", "numero_piece"))
        try:
            check_digits_kept(piece)  # a piece number Excel wrote 1,23457E+11 would be another receipt's
        except BadValue as exc:
            rejects.append(Reject(name, line_no, "numero_piece", piece, str(exc)))
            continue
        payer = (payer_codes or {}).get(identifier_key(payer), payer) if payer else payer
        if piece:
            line_id = f"MAN-{mode}-{piece}"
        else:
            line_id = hashed_id("MAN", [day, amount, mode, payer, reference], seen)
        lines.append(
            BankLine(
                line_id=line_id,
                account="MANUEL",
                currency="EUR",
                booking_date=day,
                value_date=day,
                amount=amount,
                label=mode,
                reference=reference,
                entry_number=piece,
                interbank_code="",
                reject_code="",
                record=line_no,
                debtor_name=payer,
            )
        )
    return lines, rejects


ReceiptKey = tuple  # ("piece", mode, piece) or ("row", date, amount, mode, payer, reference, rank)


def receipt_key(
    mode: str, piece: str, day: dt.date, amount: Decimal, payer: str, reference: str, rank: int = 0
) -> ReceiptKey:
    """What makes a manual receipt the same receipt, however its file was saved: its mode and piece number
    (`identifier_key`: without leading zeros) when it has one, the date and amount of a row with that piece
    being checked to be the same (a correction is a reversal line, not a new amount); else its date, amount,
    mode, payer and reference, and its rank among the rows of its file that say the same (two identical
    transfers of a day stay two receipts)."""
    if piece:
        return ("piece", mode, identifier_key(piece))
    return ("row", day, amount, mode, identifier_key(payer), identifier_key(reference), rank)


def file_keys(lines: list[BankLine]) -> list[ReceiptKey]:
    """The key of each receipt of one file, in its order (a row without piece ranked among its equals)."""
    seen: dict[ReceiptKey, int] = {}
    keys = []
    for x in lines:
        key = receipt_key(x.label, x.entry_number, x.booking_date, x.amount, x.debtor_name, x.reference)
        if not x.entry_number:
            seen[key] = seen.get(key, 0) + 1
            key = (*key[:-1], seen[key])
        keys.append(key)
    return keys


def stored_key(
    line_id: str, mode: str, piece: str, day: dt.date, amount: Decimal, payer: str, reference: str
) -> ReceiptKey:
    """The key of a receipt already stored: the rank of a row without piece is the end of its id
    (`hashed_id`)."""
    suffix = line_id.rsplit("-", 1)[-1]
    rank = 0 if piece else int(suffix) if suffix.isdecimal() else 0
    return receipt_key(mode, piece, day, amount, payer, reference, rank)


def piece_line_key(line_id: str) -> ReceiptKey | None:
    """The key of the receipt a manual decision names by its piece id (`MAN-cheque-12345`), however the
    operator wrote its zeros; None for any other id."""
    parts = line_id.strip().split("-", 2)
    if len(parts) == 3 and parts[0].upper() == "MAN" and parts[1].lower() in MODES and parts[2]:
        return ("piece", parts[1].lower(), identifier_key(parts[2]))
    return None
