import datetime as dt
import re
from decimal import Decimal

import pytest

from assets.common.fields import (
    BadValue,
    LostDigits,
    identifier_key,
    parse_amount,
    parse_code,
    parse_date,
    parse_finess,
    parse_iban,
    parse_siret,
    preferred_form,
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
    assert identifier_key("000123") == identifier_key("123") == "123"
    assert identifier_key("a12") == "A12"


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


def test_one_key_for_an_identifier_whatever_excel_did_to_its_leading_zeros():
    assert identifier_key("000178") == identifier_key("178") == identifier_key(" 0178 ") == "178"
    assert identifier_key("0") == identifier_key("000") == "0"
    # a resident as private payer, as the operator types it
    assert identifier_key("U000123") == identifier_key("u123") == "U123"
    assert identifier_key("D066") == "D066"  # a code with letters keeps its zeros: Excel does not touch it
    assert identifier_key("CHQ 0012") == "CHQ 0012"
    assert identifier_key("١٢٣") == "١٢٣"  # digits of another script are not ours to strip
    assert preferred_form(["178", "000178", "0178"]) == "000178"
    assert preferred_form(["12", "12"]) == "12"


@pytest.mark.parametrize("text", ["2,26632E+13", "2.26632E+13", "2,26632E13 ", "1E+15", "6,6e+08", "-1,2E-05"])
def test_an_identifier_in_scientific_notation_has_lost_its_digits(text):
    for parse in (parse_siret, parse_finess, parse_code):
        with pytest.raises(LostDigits, match="^nombre en notation scientifique \\(Excel\\) : les chiffres"):
            parse(text)


def test_finess_numbers():
    assert parse_finess("660 780 123") == "660780123"
    assert parse_finess("2a0001234") == "2A0001234"
    assert parse_finess("10001234") == "010001234"  # a département from 01 to 09, its zero dropped by Excel
    for bad in ("6607801", "1234", "6607801234", "FINESS", "2C0001234"):
        with pytest.raises(BadValue, match="^FINESS attendu"):
            parse_finess(bad)
    assert parse_code("12E4") == "12E4"  # a code, not a number: no sign, no decimal separator
