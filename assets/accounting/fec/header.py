"""Rules A02, A03 and A04 of the validator on the header: the expected column names, in their order, on one
separator."""

from __future__ import annotations

from assets.accounting.fec.records import CASH_BASIS_COLUMNS, FEC_COLUMNS, MONTANT_SENS_COLUMNS, FecFile, FecProblem
from assets.common.csvfile import printable


def _header_problems(fec: FecFile) -> list[FecProblem]:
    name = fec.name
    header = [column or raw for column, raw in zip(fec.columns, fec.header, strict=True)]
    base = list(MONTANT_SENS_COLUMNS if fec.montant_sens else FEC_COLUMNS)
    cash = [column for column in CASH_BASIS_COLUMNS if column in header]
    expected = base + cash
    details = []
    missing = [column for column in base if column not in header]
    if cash and cash not in [list(CASH_BASIS_COLUMNS[:k]) for k in (2, 3, 4)]:
        missing += [column for column in CASH_BASIS_COLUMNS[:2] if column not in header]
    if missing:
        details.append("manquante(s) : " + ", ".join(missing))
    unexpected = [raw for column, raw in zip(header, fec.header, strict=True) if column not in expected]
    if unexpected:
        details.append("inattendue(s) : " + printable(", ".join(unexpected), 200))
    duplicated = sorted({column for column in header if header.count(column) > 1})
    if duplicated:
        details.append("en double : " + printable(", ".join(duplicated), 200))
    if details:
        return [
            FecProblem(
                "A03",
                (fec.header_line,),
                None,
                f"{name}, ligne {fec.header_line} : en-tête de {len(header)} colonnes, {len(expected)} attendues — "
                + " ; ".join(details),
            )
        ]
    if header != expected:
        moved = [
            f"position {i + 1} : « {printable(raw, 40)} » au lieu de « {want} »"
            for i, (got, raw, want) in enumerate(zip(header, fec.header, expected, strict=True))
            if got != want
        ]
        return [
            FecProblem(
                "A04",
                (fec.header_line,),
                None,
                f"{name}, ligne {fec.header_line} : ordre des colonnes incorrect — " + " ; ".join(moved),
            )
        ]
    return []


def _header_separator_problems(fec: FecFile) -> list[FecProblem]:
    """A02 in the header: both separators in it."""
    other = "|" if fec.separator == "\t" else "\t"
    if not any(other in column for column in fec.header):
        return []
    return [
        FecProblem(
            "A02",
            (fec.header_line,),
            None,
            f"{fec.name}, ligne {fec.header_line} : l'en-tête mêle tabulations et « | » comme séparateurs",
        )
    ]
