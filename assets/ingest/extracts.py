"""The extracts of a month (`activite/AAAA-MM/`): every file there is read or refused by name, and two
versions of one extract are refused together.

An extract is attributed to the establishments whose days it gives (the rows' `code_etablissement`). Two
files giving days of one establishment, or a CSV and a workbook of the same name but for their ending, are
two versions of one extract (the first export and its correction, a file saved twice in two formats): adding
them up would bill days twice or mix two states of the month, and choosing one would be a guess. Both are
refused, each naming the other, and the days in force before them stay until one is removed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import PurePosixPath

from assets.common.csvfile import Reject, printable
from assets.common.workbook import TABLE_SUFFIXES


def two_versions(paths: Collection[str], establishments: Mapping[str, Collection[str]], month: str) -> dict[str, str]:
    """{file: why it is refused} for the files of `paths` (the month's extracts read as tables, copies of
    another left out) that are two versions of one extract; `establishments`: the establishments whose days
    each file read gives."""
    partners: dict[str, set[str]] = {}
    codes: dict[str, set[str]] = {}

    def pair(group: list[str], code: str | None) -> None:
        for path in group:
            partners.setdefault(path, set()).update(p for p in group if p != path)
            if code is not None:
                codes.setdefault(path, set()).add(code)

    by_stem: dict[tuple[str, str], list[str]] = {}
    for path in paths:
        p = PurePosixPath(path)
        if p.suffix.lower() in TABLE_SUFFIXES:
            by_stem.setdefault((str(p.parent), p.stem.lower()), []).append(path)
    for group in by_stem.values():
        if len(group) > 1:
            pair(sorted(group), None)
    by_establishment: dict[str, list[str]] = {}
    for path, found in establishments.items():
        for code in found:
            by_establishment.setdefault(code, []).append(path)
    for code, group in sorted(by_establishment.items()):
        if len(group) > 1:
            pair(sorted(group), code)
    refused = {}
    for path, others in sorted(partners.items()):
        of = f" de {', '.join(sorted(codes[path]))}" if path in codes else ""
        refused[path] = (
            f"{path} : deux versions de l'extrait{of} pour {month}, avec {', '.join(sorted(others))} ; retirez "
            "celle qui n'est pas la bonne (leurs journées ne sont pas lues, celles déjà en vigueur restent)"
        )
    return refused


def nothing_readable(name: str, rejects: list[Reject]) -> str:
    """Why an extract whose every day is set aside is refused whole: how many, and where the first ones are."""
    first = sorted(rejects, key=lambda r: (r.line or 0, r.column or ""))[:3]
    where = " ; ".join(f"ligne {r.line}, colonne {r.column} : {r.reason}" for r in first)
    message = f"{name} : aucune journée lisible, {len(rejects)} écartée(s) ; d'abord {where}"
    serial = next((r.value for r in first if r.value and r.value.isdigit() and 4 <= len(r.value) <= 5), None)
    if serial and any("date" in r.reason for r in first):
        message += (
            f" ({printable(serial, 8)} est une date que le tableur a enregistrée comme un nombre : donnez à la "
            "colonne le format date avant d'enregistrer le CSV, ou déposez le classeur lui-même)"
        )
    return message
