"""Rule N02 of the validator: entry numbers continuous per journal and series, or for the whole file (see the
package's docstring), and the natural order of entry numbers that rule C07 compares them in."""

from __future__ import annotations

import datetime as dt
import re

from assets.accounting.fec.records import Entries, FecFile, FecLine, FecProblem, _where
from assets.common.csvfile import printable


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


def _order_problems(fec: FecFile, entries: Entries) -> list[FecProblem]:
    """C07: within each journal, entry numbers in the order of validation."""
    journals: dict[str, list[tuple[str, dt.date, list[FecLine]]]] = {}
    for (journal, number), group in entries.items():
        if not any(x.raw["ValidDate"] for x in group):
            continue
        # numbers follow the order of validation (A47 A-1: the entries in the chronological order of their
        # validation; software numbers an entry when it validates it): its ValidDate, else its EcritureDate
        date = next((x.valid_date for x in group if x.valid_date), None) or next(
            (x.ecriture_date for x in group if x.ecriture_date), None
        )
        if date is not None:
            journals.setdefault(journal, []).append((number, date, group))
    problems = []
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
                        f"{_where(fec.name, numbers, 'EcritureNum')} : journal {printable(journal, 40)}, l'écriture "
                        f"{printable(number, 40)} validée le {date:%d/%m/%Y} suit l'écriture "
                        f"{printable(before, 40)} validée le {before_date:%d/%m/%Y} ; les numéros doivent suivre "
                        "l'ordre chronologique de validation",
                    )
                )
    return problems
