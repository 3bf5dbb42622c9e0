"""referentiel/previsions.csv read row by row (docs/contract.md): what a French Excel writes is read, a bad row
is set aside alone with line, column and reason, an establishment given twice for a year is set aside whole."""

from decimal import Decimal

import pytest

from assets.common.fields import BadValue
from assets.ingest.forecasts import parse_days, parse_forecasts, parse_rate

NAME = "referentiel/previsions.csv"


def row(code: str, year: str, days: str, rate: str = "") -> dict[str, str]:
    return {"code_etablissement": code, "annee": year, "journees_previsionnelles": days, "taux_occupation_cible": rate}


def test_days_and_rates_as_a_french_excel_writes_them():
    assert [parse_days(t) for t in ("10950", "10 950", "10\u00a0950", "10\u202f950", "1")] == [10950] * 4 + [1]
    assert [parse_rate(t) for t in ("95", "95,5", "95 %", "95,50\u00a0%", "100")] == [
        Decimal("95"), Decimal("95.5"), Decimal("95"), Decimal("95.50"), Decimal("100")
    ]  # fmt: skip
    for bad in ("0", "-5", "10950,5", "1e4", "deux"):
        with pytest.raises(BadValue, match="nombre entier de journées"):
            parse_days(bad)
    for bad in ("0,95", "1", "101", "95,555", "quatre-vingt"):
        with pytest.raises(BadValue, match="taux en %"):
            parse_rate(bad)


def test_each_bad_row_is_set_aside_alone_with_its_line_and_column():
    rows = [
        (2, row("fh01", "2025", "10 950", "95")),  # the code in any case
        (3, row("FV01", "2025", "8000")),
        (4, row("XX99", "2025", "100")),
        (5, row("MAS01", "25", "100")),
        (6, row("MAS01", "2025", "")),
        (7, row("IME01", "2025", "9000", "0,9")),
    ]
    kept, rejects = parse_forecasts(NAME, rows, {"FH01", "FV01", "MAS01", "IME01"})
    assert kept == [
        {"src_line": 2, "establishment_code": "FH01", "year": 2025, "forecast_days": 10950,
         "target_occupancy": Decimal("95")},
        {"src_line": 3, "establishment_code": "FV01", "year": 2025, "forecast_days": 8000, "target_occupancy": None},
    ]  # fmt: skip
    assert [(r.path, r.line, r.column, r.reason) for r in rejects] == [
        (NAME, 4, "code_etablissement", "établissement inconnu : XX99"),
        (NAME, 5, "annee", "année attendue sur quatre chiffres (par exemple 2025)"),
        (NAME, 6, "journees_previsionnelles", "valeur obligatoire absente"),
        (NAME, 7, "taux_occupation_cible", "taux en % attendu, entre 1 et 100 (par exemple 95 ou 95,5)"),
    ]


def test_an_establishment_given_twice_for_a_year_is_set_aside_whole():
    rows = [(2, row("FH01", "2025", "100")), (3, row("FH01", "2026", "200")), (4, row("FH01", "2025", "300"))]
    kept, rejects = parse_forecasts(NAME, rows, {"FH01"})
    assert [r["src_line"] for r in kept] == [3]
    assert [(r.line, r.column, r.reason) for r in rejects] == [
        (2, "code_etablissement", "FH01 2025 donné deux fois (lignes 2, 4)"),
        (4, "code_etablissement", "FH01 2025 donné deux fois (lignes 2, 4)"),
    ]
