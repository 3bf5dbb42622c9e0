import datetime as dt
import re
from decimal import Decimal

import pytest

from assets.common.fields import (
    BadValue,
    canonical_resident_id,
    parse_amount,
    parse_code,
    parse_date,
    parse_iban,
    parse_siret,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01/03/2025", dt.date(2025, 3, 1)),
        ("1/3/2025", dt.date(2025, 3, 1)),
        ("2025-03-01", dt.date(2025, 3, 1)),
        ("29/02/2024", dt.date(2024, 2, 29)),
    ],
)
def test_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2025/03/01", "date attendue au format JJ/MM/AAAA ou AAAA-MM-JJ"),
        ("01-03-2025", "date attendue au format JJ/MM/AAAA ou AAAA-MM-JJ"),
        ("29/02/2025", "date inexistante"),
        ("2025-13-01", "date inexistante"),
        ("hier", "date attendue au format JJ/MM/AAAA ou AAAA-MM-JJ"),
    ],
)
def test_bad_dates(text, reason):
    with pytest.raises(BadValue) as err:
        parse_date(text)
    assert str(err.value) == reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234,56", Decimal("1234.56")),
        ("1 234,5", Decimal("1234.50")),
        ("1\u202f234,50 €", Decimal("1234.50")),
        ("12", Decimal("12.00")),
        ("-3,10", Decimal("-3.10")),
        ("152.40", Decimal("152.40")),
    ],
)
def test_amounts_are_exact_decimals(text, expected):
    value = parse_amount(text)
    assert value == expected and isinstance(value, Decimal) and value.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("12,345", "montant à plus de deux décimales"),
        ("1.234,56", "montant attendu (par exemple 1234,56)"),
        ("abc", "montant attendu (par exemple 1234,56)"),
        ("1e3", "montant attendu (par exemple 1234,56)"),
    ],
)
def test_bad_amounts(text, reason):
    with pytest.raises(BadValue) as err:
        parse_amount(text)
    assert str(err.value) == reason


def test_codes_are_safe_for_file_names():
    assert parse_code("fh01") == "FH01"
    for bad in ("FH 01", "../etc", "FH/01", "=HYPERLINK(1)", "a" * 33, "é"):
        with pytest.raises(BadValue):
            parse_code(bad)


def test_siret_iban_and_resident_ids():
    assert parse_siret("123 456 789 01234") == "12345678901234"
    assert parse_iban("fr76 3000 6000 0112 3456 7890 189") == "FR7630006000011234567890189"
    with pytest.raises(BadValue, match="^IBAN invalide : clé de contrôle fausse$"):
        parse_iban("FR7630006000011234567890188")
    with pytest.raises(BadValue, match="^IBAN invalide : longueur incorrecte$"):
        parse_iban("FR76300060000112345678901")
    assert canonical_resident_id("000123") == canonical_resident_id("123") == "123"
    assert canonical_resident_id("a12") == "A12"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("10000000000000000", "montant hors limites (1 000 milliards d'euros au plus)"),  # overflowed DECIMAL(18,2)
        ("١٢٣,٤٥", "montant attendu (par exemple 1234,56)"),  # Arabic-Indic digits read as 123,45 before
    ],
)
def test_an_amount_out_of_bounds_or_in_other_digits_is_refused(text, message):
    with pytest.raises(BadValue, match=re.escape(message)):
        parse_amount(text)


def test_the_largest_amount_accepted_and_dates_in_other_digits_refused():
    assert parse_amount("999 999 999 999,99") == Decimal("999999999999.99")
    with pytest.raises(BadValue):
        parse_date("١٢/٠٣/٢٠٢٥")
