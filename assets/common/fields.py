"""Parsing one cell: dates (JJ/MM/AAAA or AAAA-MM-JJ), amounts with a decimal comma, codes, IBANs.

Each parser returns the typed value, or raises `BadValue` whose message is the reason shown to the
operator in quarantine.

Identifiers go through spreadsheets: Excel drops the leading zeros of a column of digits (`000178` saved
as `178`) and writes a long one in scientific notation (`2,26632E+13`). The first is harmless once every
identifier is compared by `identifier_key`; the second has lost its digits, and is refused (`LostDigits`)
wherever an identifier is read, never taken for another value or ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

# ASCII digits only: \d alone would read ١٢٣ (Arabic-Indic digits) as 123
_DATE_FR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", re.ASCII)
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII)
_AMOUNT = re.compile(r"^-?\d{1,12}([,.]\d{1,2})?$", re.ASCII)  # under 10^12 €: DECIMAL(18,2) holds it
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
# a number as Excel shows a long one in its General format: 2,26632E+13, 2.26632E+13, 1E+15 (without a sign
# only after a decimal separator: 12E4 may be a code)
_SCIENTIFIC = re.compile(r"^[+-]?[0-9]+(?:[,.][0-9]*[eE][+-]?|[eE][+-])[0-9]{1,3}$")
_DIGITS = re.compile(r"^[0-9]+$")
_RESIDENT_PAYER = re.compile(r"^U([0-9]+)$")  # a resident as private payer: U + id_usager (docs/contract.md)


class BadValue(ValueError):
    """A cell that does not hold what its column needs."""


class LostDigits(BadValue):
    """An identifier written in scientific notation: its digits are lost, so its row cannot be kept on a
    guess (an optional identifier too: the row is set aside, not kept without it)."""


def check_digits_kept(text: str) -> None:
    """Raise `LostDigits` when an identifier cell holds a number in scientific notation (`2,26632E+13`)."""
    if _SCIENTIFIC.match(text.strip()):
        raise LostDigits(
            "nombre en notation scientifique (Excel) : les chiffres de l'identifiant sont perdus ; "
            "mettez la colonne au format Texte et saisissez de nouveau l'identifiant complet"
        )


def parse_date(text: str) -> dt.date:
    m = _DATE_FR.match(text)
    if m:
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = _DATE_ISO.match(text)
        if not m:
            raise BadValue("date attendue au format JJ/MM/AAAA ou AAAA-MM-JJ")
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise BadValue("date inexistante") from None


def parse_amount(text: str) -> Decimal:
    """An amount in euros, decimal comma (a point is tolerated), spaces as thousands separators."""
    compact = text.replace(" ", "").replace("\u202f", "").replace("€", "")
    if not _AMOUNT.match(compact):
        if re.match(r"^-?[0-9]+[,.][0-9]{3,}$", compact):
            raise BadValue("montant à plus de deux décimales")
        if re.match(r"^-?[0-9]{13,}([,.][0-9]{1,2})?$", compact):
            raise BadValue("montant hors limites (1 000 milliards d'euros au plus)")
        raise BadValue("montant attendu (par exemple 1234,56)")
    try:
        return Decimal(compact.replace(",", ".")).quantize(Decimal("0.01"))
    except InvalidOperation:  # pragma: no cover - the pattern already guarantees a number
        raise BadValue("montant attendu (par exemple 1234,56)") from None


def parse_int(text: str) -> int:
    if not re.match(r"^[0-9]{1,9}$", text):
        raise BadValue("nombre entier positif attendu")
    return int(text)


def parse_code(text: str) -> str:
    """An identifier (establishment, payer, resident): letters, digits, '-' and '_' only.

    Codes become parts of file names and payer accounts, so nothing else is let through.
    """
    check_digits_kept(text)
    if not _CODE.match(text):
        raise BadValue("code attendu : lettres, chiffres, « - » ou « _ » (32 caractères au plus)")
    return text.upper()


def parse_siret(text: str) -> str:
    check_digits_kept(text)
    compact = text.replace(" ", "")
    if not (_DIGITS.match(compact) and len(compact) == 14):
        raise BadValue("SIRET attendu : 14 chiffres")
    return compact


_FINESS = re.compile(r"^(2A|2B|[0-9]{2})[0-9]{7}$")


def parse_finess(text: str) -> str:
    """A FINESS number: 9 characters, the département first (01 to 95, 2A, 2B, 97x); one of a département
    from 01 to 09 that Excel saved without its leading zero (8 digits) gets it back."""
    check_digits_kept(text)
    compact = text.replace(" ", "").upper()
    if _DIGITS.match(compact) and len(compact) == 8:
        compact = "0" + compact
    if not _FINESS.match(compact):
        raise BadValue("FINESS attendu : 9 chiffres (ou 2A, 2B suivis de 7 chiffres)")
    return compact


_IBAN_PROBLEMS = {
    "InvalidLength": "longueur incorrecte",
    "InvalidChecksumDigits": "clé de contrôle fausse",
    "InvalidBBANChecksum": "clé RIB fausse",
    "InvalidCountryCode": "code pays inconnu",
    "InvalidStructure": "caractères ou structure incorrects",
}


def iban_problem(text: str) -> str | None:
    """None for a valid IBAN, else what is wrong with it (schwifty does the checking)."""
    return _checked_iban(text)[1]


def parse_iban(text: str) -> str:
    value, problem = _checked_iban(text)
    if problem:
        raise BadValue(f"IBAN invalide : {problem}")
    return value


def _checked_iban(text: str) -> tuple[str, str | None]:
    """(the IBAN as schwifty writes it, None) or ("", what is wrong with it): one IBAN built per text (a
    month's 7,290 IBANs of a 12,000-resident association: 0.07 s when each was built twice, 0.04 s)."""
    from schwifty import IBAN

    try:
        return str(IBAN(text)), None
    except ValueError as exc:
        return "", _IBAN_PROBLEMS.get(type(exc).__name__, "invalide")


def parse_choice(text: str, choices: tuple[str, ...]) -> str:
    value = text.strip()
    for choice in choices:
        if value.lower() == choice.lower():
            return choice
    raise BadValue(f"valeur non prévue, attendu : {', '.join(choices)}")


def identifier_key(text: str) -> str:
    """What two spellings of one identifier (a resident, a payer code, a piece number) have in common: the
    same identifier without the leading zeros Excel drops from a column of digits (`000178` and `178`),
    also after the `U` of a resident's payer code (`U000178` and `U178`, as the operator types it), in
    capitals. Identifiers are compared by this key only; the warehouse keeps the form first written."""
    value = text.strip().upper()
    if _DIGITS.match(value):
        return value.lstrip("0") or "0"
    resident = _RESIDENT_PAYER.match(value)
    if resident:
        return "U" + (resident.group(1).lstrip("0") or "0")
    return value


def preferred_form(forms: list[str]) -> str:
    """The form to keep of one identifier written several ways: the longest (the one with its leading
    zeros), the first of equal ones."""
    return max(forms, key=len)


_ICS = re.compile(r"([A-Z]{2})([0-9]{2})([A-Z0-9]{3})([A-Z0-9]{1,28})")


def ics_is_valid(ics: str) -> bool:
    """Whether `ics` is a well-formed SEPA creditor identifier with the right check digits: ISO 7064 mod
    97-10 over the national identifier (without the 3-character business code), then the country code and
    "00", letters counted A=10 … Z=35, as for an IBAN (FR72ZZZ123456 is valid, FR73ZZZ123456 is not)."""
    match = _ICS.fullmatch((ics or "").strip().upper())
    if not match or len(match.group(0)) > 35:
        return False
    country, check, _business, national = match.groups()
    number = int("".join(str(int(c, 36)) for c in national + country + check))
    return number % 97 == 1
