"""Letter codes of settled invoices: the code each payer's next letter gets (`AA`, `AB`, … `ZZ`, `AAA`, …) and
the letter events of a matching run (a letter given, a letter taken back)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from assets.payments.matching_records import Invoice, Letter, Lettering, Line


def letter_code(index: int) -> str:
    """0 → AA, 1 → AB, … 675 → ZZ, 676 → AAA, …"""
    length, base = 2, 26 * 26
    while index >= base:
        index -= base
        length += 1
        base *= 26
    code = ""
    for _ in range(length):
        index, rest = divmod(index, 26)
        code = chr(ord("A") + rest) + code
    return code


def give_letters(
    invoices: dict[str, Invoice],
    open_amounts: dict[str, Decimal],
    settled_by: dict[str, Line],
    reopened_by: dict[str, Line],
    past: Lettering,
) -> list[Letter]:
    """The letter events of a run: a `delettre` for each lettered invoice a line reopened, then one new letter
    for the invoices each line brought to 0 (and for those their credit notes alone settled), in date order."""
    active = dict(past.active)
    out: list[Letter] = []
    for number in sorted(reopened_by):
        if number in active and open_amounts[number] != 0:
            old = active.pop(number)
            out.append(Letter(old.payer_code, old.letter, number, reopened_by[number].date, "delettre"))
    # invoices settled by the same line share a letter; then invoices settled by their credit notes alone
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    dates: dict[tuple[str, str], dt.date] = {}
    for number, line in settled_by.items():
        if open_amounts[number] == 0 and number not in active:
            key = (invoices[number].payer_code, line.line_id)
            groups[key].append(number)
            dates[key] = line.date
    for invoice in invoices.values():
        number = invoice.number
        if invoice.settled_on and open_amounts[number] == 0 and number not in active and number not in settled_by:
            key = (invoice.payer_code, f"~{number}")
            groups[key].append(number)
            dates[key] = invoice.settled_on
    count = dict(past.used)
    for key in sorted(groups, key=lambda k: (dates[k], k)):
        payer = key[0]
        code = letter_code(count.get(payer, 0))
        count[payer] = count.get(payer, 0) + 1
        for number in sorted(groups[key]):
            out.append(Letter(payer, code, number, dates[key], "lettre"))
    return out
