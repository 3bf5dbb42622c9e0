"""The FEC validator (`validate`): every problem of a file read by `read_fec`, each with its rule code (RULES).

One small pure function per rule group, each taking the parsed file (and, for the rules of one line, that
line) and returning its problems; `validate` chains them in file order: the header's, then each line's, then
each entry's, then the file-wide ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from assets.accounting.fec.header import _header_problems, _header_separator_problems
from assets.accounting.fec.numbering import _gap_problems, _order_problems
from assets.accounting.fec.read import _amount, _date, _is_empty_date
from assets.accounting.fec.records import (
    _AMOUNT,
    REQUIRED,
    Entries,
    FecFile,
    FecLine,
    FecProblem,
    _entry,
    _where,
)
from assets.common.csvfile import printable

_DATE_RULES = {"EcritureDate": "C01", "PieceDate": "C02", "ValidDate": "C03", "DateLet": "C04"}


def _separator_name(separator: str) -> str:
    return "tabulation" if separator == "\t" else f"« {separator} »"


def _problem(fec: FecFile, line: FecLine, code: str, column: str | None, text: str) -> FecProblem:
    """A problem of one line, its message naming the file, the line and the field."""
    return FecProblem(code, (line.number,), column, f"{_where(fec.name, [line.number], column)} : {text}")


def _layout_problems(fec: FecFile, line: FecLine) -> list[FecProblem]:
    """A02: the line cut on the other separator than the header's; A05: as many fields as the header."""
    problems = []
    if line.separator != fec.separator:
        problems.append(
            _problem(
                fec,
                line,
                "A02",
                None,
                f"séparateur {_separator_name(line.separator)} alors que l'en-tête utilise "
                f"{_separator_name(fec.separator)}",
            )
        )
    width = len(fec.header)
    if line.field_count != width:
        problems.append(_problem(fec, line, "A05", None, f"{line.field_count} champs au lieu de {width}"))
    return problems


def _required_problems(fec: FecFile, line: FecLine) -> list[FecProblem]:
    """A07: the required fields filled (the amount is judged with the amounts)."""
    return [_problem(fec, line, "A07", column, "champ obligatoire vide") for column in REQUIRED if not line.raw[column]]


def _amount_columns(fec: FecFile) -> tuple[str, ...]:
    return ("Montant",) if fec.montant_sens else ("Debit", "Credit")


def _decimal_point(fec: FecFile) -> tuple[str, int] | None:
    """The first decimal separator of the file's amounts (Montantdevise aside), and its line: B03 wants the same
    one everywhere."""
    for line in fec.lines:
        for column in _amount_columns(fec):
            text = line.raw.get(column, "")
            if not text or _amount(text) is None:
                continue
            match = _AMOUNT.fullmatch(text)
            if match is None:
                continue
            if (match["dec"] is None or len(match["dec"]) <= 4) and match["point"]:
                return match["point"], line.number
    return None


def _amount_problems(fec: FecFile, line: FecLine, decimal_point: tuple[str, int] | None) -> list[FecProblem]:
    """B03: amounts readable, 0 to 4 decimals, one decimal separator in the file, a readable Sens; A07: a
    non-zero amount; B04: not both a debit and a credit."""
    problems = []
    raw = line.raw
    for column in _amount_columns(fec) + ("Montantdevise",):
        text = raw.get(column, "")
        if not text:
            continue
        match = _AMOUNT.fullmatch(text)
        if match is None or _amount(text) is None:
            problems.append(
                _problem(
                    fec,
                    line,
                    "B03",
                    column,
                    f"montant illisible « {printable(text, 40)} » (chiffres, virgule décimale, sans espace)",
                )
            )
        elif match["dec"] is not None and len(match["dec"]) > 4:
            problems.append(
                _problem(fec, line, "B03", column, f"montant « {printable(text, 40)} » à plus de 4 décimales")
            )
        elif (
            match["point"]
            and column != "Montantdevise"
            and decimal_point is not None
            and match["point"] != decimal_point[0]
        ):
            problems.append(
                _problem(
                    fec,
                    line,
                    "B03",
                    column,
                    f"séparateur décimal « {match['point']} » alors que le fichier utilise "
                    f"« {decimal_point[0]} » (ligne {decimal_point[1]})",
                )
            )
    if fec.montant_sens and raw["Sens"].upper() not in ("D", "C", "+1", "-1"):
        problems.append(
            _problem(
                fec, line, "B03", "Sens", f"sens « {printable(raw['Sens'], 40)} » illisible (D, C, +1 ou -1 attendu)"
            )
        )
    readable = line.debit is not None and line.credit is not None
    if readable and not line.debit and not line.credit:
        problems.append(_problem(fec, line, "A07", "Debit", "ni débit ni crédit : un montant non nul est attendu"))
    if readable and line.debit and line.credit:
        problems.append(
            _problem(
                fec,
                line,
                "B04",
                "Credit",
                f"débit {printable(str(line.debit), 40)} et crédit {printable(str(line.credit), 40)} sur la même ligne",
            )
        )
    return problems


def _auxiliary_problems(fec: FecFile, line: FecLine) -> list[FecProblem]:
    """B05: CompAuxNum and CompAuxLib together; B06: an auxiliary account on a third-party account."""
    problems = []
    if bool(line.comp_aux_num) != bool(line.comp_aux_lib):
        filled, empty = ("CompAuxNum", "CompAuxLib") if line.comp_aux_num else ("CompAuxLib", "CompAuxNum")
        problems.append(
            _problem(
                fec,
                line,
                "B05",
                empty,
                f"vide alors que {filled} est rempli (« {printable(line.raw[filled], 40)} ») ; les deux vont ensemble",
            )
        )
    if line.comp_aux_num and line.compte_num and not line.compte_num.startswith("4"):
        problems.append(
            _problem(
                fec,
                line,
                "B06",
                "CompAuxNum",
                f"compte auxiliaire « {printable(line.comp_aux_num, 40)} » sur le compte "
                f"{printable(line.compte_num, 40)}, qui n'est pas un compte de tiers (classe 4)",
            )
        )
    return problems


def _date_problems(fec: FecFile, line: FecLine) -> list[FecProblem]:
    """C01 to C04: dates AAAAMMJJ; C06: ValidDate not before EcritureDate."""
    problems = []
    for column, code in _DATE_RULES.items():
        text = line.raw[column]
        if not text or (column != "EcritureDate" and _is_empty_date(text)):
            continue
        if _date(text) is None:
            problems.append(
                _problem(fec, line, code, column, f"date « {printable(text, 40)} » invalide (AAAAMMJJ attendu)")
            )
    if line.ecriture_date and line.valid_date and line.valid_date < line.ecriture_date:
        problems.append(
            _problem(
                fec,
                line,
                "C06",
                "ValidDate",
                f"validée le {line.valid_date:%d/%m/%Y}, avant la date de l'écriture ({line.ecriture_date:%d/%m/%Y})",
            )
        )
    return problems


def _lettering_problems(fec: FecFile, line: FecLine) -> list[FecProblem]:
    """L01: EcritureLet and DateLet both filled or both empty (a warning)."""
    has_let, has_date_let = bool(line.ecriture_let), not _is_empty_date(line.raw["DateLet"])
    if has_let == has_date_let:
        return []
    if has_let:
        text = f"vide alors que l'écriture est lettrée (EcritureLet « {printable(line.ecriture_let, 40)} »)"
        return [_problem(fec, line, "L01", "DateLet", text)]
    text = f"vide alors que DateLet est rempli (« {printable(line.raw['DateLet'], 40)} »)"
    return [_problem(fec, line, "L01", "EcritureLet", text)]


def _period_problems(fec: FecFile, line: FecLine, period: tuple[dt.date, dt.date] | None) -> list[FecProblem]:
    """C05: EcritureDate within the period, when one is given."""
    if not (period and line.ecriture_date and not period[0] <= line.ecriture_date <= period[1]):
        return []
    return [
        _problem(
            fec,
            line,
            "C05",
            "EcritureDate",
            f"écriture du {line.ecriture_date:%d/%m/%Y} hors de la période du {period[0]:%d/%m/%Y} au "
            f"{period[1]:%d/%m/%Y}",
        )
    ]


def _entries(fec: FecFile) -> Entries:
    entries: Entries = {}
    for line in fec.lines:
        if line.journal_code and line.ecriture_num:
            entries.setdefault(line.entry, []).append(line)
    return entries


def _entry_problems(fec: FecFile, entries: Entries) -> list[FecProblem]:
    """B01: each entry balanced; N01: each entry on one EcritureDate."""
    name = fec.name
    problems = []
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
    return problems


def _balance_problems(fec: FecFile) -> list[FecProblem]:
    """B02: the whole file balanced."""
    total_debit, total_credit = fec.total_debit, fec.total_credit
    if total_debit == total_credit:
        return []
    return [
        FecProblem(
            "B02",
            (),
            None,
            f"{fec.name} : fichier déséquilibré — total des débits {total_debit}, total des crédits {total_credit}, "
            f"écart {total_debit - total_credit}",
        )
    ]


def _unvalidated_problems(fec: FecFile, entries: Entries) -> list[FecProblem]:
    """C08: entries without ValidDate (a warning, one for the file)."""
    unvalidated = [
        (journal, number, group)
        for (journal, number), group in entries.items()
        if not any(x.raw["ValidDate"] for x in group)
    ]
    if not unvalidated:
        return []
    numbers = [group[0].number for _, _, group in unvalidated]
    sample = ", ".join(_entry(journal, number) for journal, number, _ in unvalidated[:10])
    return [
        FecProblem(
            "C08",
            tuple(numbers),
            "ValidDate",
            f"{_where(fec.name, numbers, 'ValidDate')} : {len(unvalidated)} écriture(s) sans date de validation "
            f"({sample}{'…' if len(unvalidated) > 10 else ''})",
        )
    ]


def _line_end_problems(fec: FecFile) -> list[FecProblem]:
    """A06: one kind of line end in the whole file (a warning)."""
    ends: dict[str, int] = {}
    for end in [fec.header_line_end] + [line.line_end for line in fec.lines]:
        if end:
            ends[end] = ends.get(end, 0) + 1
    if len(ends) <= 1:
        return []
    shown = {"\r\n": "CRLF", "\n": "LF", "\r": "CR", "\r\r\n": "CR CR LF"}
    kinds = list(ends.items())
    counts = ", ".join(f"{shown.get(end, f'{len(end) - 1} CR + LF')} × {count}" for end, count in kinds[:6])
    counts += ", …" if len(kinds) > 6 else ""
    return [FecProblem("A06", (), None, f"{fec.name} : fins de ligne mélangées ({counts})")]


def _line_problems(fec: FecFile, period: tuple[dt.date, dt.date] | None) -> Iterator[FecProblem]:
    """The problems of each line, line after line, in the order of the rule groups."""
    decimal_point = _decimal_point(fec)
    for line in fec.lines:
        yield from _layout_problems(fec, line)
        yield from _required_problems(fec, line)
        yield from _amount_problems(fec, line, decimal_point)
        yield from _auxiliary_problems(fec, line)
        yield from _date_problems(fec, line)
        yield from _lettering_problems(fec, line)
        yield from _period_problems(fec, line, period)


def validate(fec: FecFile, period: tuple[dt.date, dt.date] | None = None) -> list[FecProblem]:
    """Every problem of the file, in file order then the file-wide ones. `period` (first and last day of the
    fiscal year, or of the month of an export) turns rule C05 on."""
    entries = _entries(fec)
    return [
        *_header_problems(fec),
        *_header_separator_problems(fec),
        *_line_problems(fec, period),
        *_entry_problems(fec, entries),
        *_balance_problems(fec),
        *_order_problems(fec, entries),
        *_gap_problems(fec.name, entries),
        *_unvalidated_problems(fec, entries),
        *_line_end_problems(fec),
    ]
