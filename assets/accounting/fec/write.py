"""Writing a FEC (`write_fec`): the 18 columns, refused (`FecError`) when the bytes would not validate or would
not read back to the same values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from assets.accounting.fec.read import read_fec
from assets.accounting.fec.records import _PAD, FEC_COLUMNS, FecError, FecLine
from assets.accounting.fec.validate import validate


def _text(value: str, separator: str, index: int, column: str) -> str:
    text = (value or "").strip(_PAD)
    if separator in text or "\r" in text or "\n" in text:
        raise FecError(
            f"ligne d'écriture {index}, champ {column} : « {text} » contient le séparateur ou un saut de ligne"
        )
    return text


def _money(value: Decimal | None, index: int, column: str, optional: bool = False) -> str:
    if value is None and optional:
        return ""
    if not isinstance(value, Decimal):
        raise FecError(f"ligne d'écriture {index}, champ {column} : montant Decimal attendu, pas {value!r}")
    cents = value.quantize(Decimal("0.01"))
    if cents != value:
        raise FecError(f"ligne d'écriture {index}, champ {column} : {value} a plus de deux décimales")
    return str(cents).replace(".", ",")


def _day(value: dt.date | None, index: int, column: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, dt.date):
        raise FecError(f"ligne d'écriture {index}, champ {column} : date attendue, pas {value!r}")
    return f"{value:%Y%m%d}"


_TEXT_ATTRIBUTES = {
    "JournalCode": "journal_code",
    "JournalLib": "journal_lib",
    "EcritureNum": "ecriture_num",
    "CompteNum": "compte_num",
    "CompteLib": "compte_lib",
    "CompAuxNum": "comp_aux_num",
    "CompAuxLib": "comp_aux_lib",
    "PieceRef": "piece_ref",
    "EcritureLib": "ecriture_lib",
    "EcritureLet": "ecriture_let",
    "Idevise": "idevise",
}
_DATE_ATTRIBUTES = {
    "EcritureDate": "ecriture_date",
    "PieceDate": "piece_date",
    "DateLet": "date_let",
    "ValidDate": "valid_date",
}
_MONEY_ATTRIBUTES = {"Debit": "debit", "Credit": "credit", "Montantdevise": "montant_devise"}


def _row(line: FecLine, separator: str, index: int) -> list[str]:
    out = []
    for column in FEC_COLUMNS:
        if column in _TEXT_ATTRIBUTES:
            out.append(_text(getattr(line, _TEXT_ATTRIBUTES[column]), separator, index, column))
        elif column in _DATE_ATTRIBUTES:
            out.append(_day(getattr(line, _DATE_ATTRIBUTES[column]), index, column))
        else:
            value = getattr(line, _MONEY_ATTRIBUTES[column])
            out.append(_money(value, index, column, optional=column == "Montantdevise"))
    return out


def _values(line: FecLine) -> tuple:
    texts = tuple((getattr(line, attribute) or "").strip(_PAD) for attribute in _TEXT_ATTRIBUTES.values())
    return (
        texts
        + tuple(getattr(line, attribute) for attribute in _DATE_ATTRIBUTES.values())
        + tuple(getattr(line, attribute) for attribute in _MONEY_ATTRIBUTES.values())
    )


def write_fec(
    lines: Iterable[FecLine],
    separator: str = "|",
    encoding: str = "iso-8859-15",
    line_end: str = "\r\n",
    name: str = "ecritures.txt",
    period: tuple[dt.date, dt.date] | None = None,
) -> bytes:
    """The 18-column FEC of `lines`, in their order: header, then one record per line, each ended by `line_end`
    (CR LF by default: A47 A-1 I 1° separates records by "Retour chariot et/ou Fin de ligne"; Test Compta Demat
    reads both). Refuses (FecError) a value that cannot be written as it is (separator or line break in a text,
    more than two decimals, a character the encoding lacks) and a result `validate` finds any problem in."""
    if separator not in ("|", "\t"):
        raise FecError(f"{name} : séparateur {separator!r} non admis (tabulation ou | seulement)")
    if line_end not in ("\r\n", "\n"):
        raise FecError(f"{name} : fin de ligne {line_end!r} non admise (CRLF ou LF)")
    lines = list(lines)
    records = [separator.join(FEC_COLUMNS)]
    records += [separator.join(_row(line, separator, index)) for index, line in enumerate(lines, start=1)]
    text = "".join(record + line_end for record in records)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError as exc:
        index = text[: exc.start].count(line_end)
        raise FecError(
            f"{name}, ligne {index + 1} : « {text[exc.start : exc.end]} » n'existe pas en {encoding}"
        ) from None
    except LookupError:
        raise FecError(f"{name} : encodage {encoding!r} inconnu") from None
    fec = read_fec(data, name)
    problems = validate(fec, period)
    if problems:
        shown = "\n".join(str(problem) for problem in problems[:20])
        more = f"\n… et {len(problems) - 20} autres" if len(problems) > 20 else ""
        raise FecError(f"{name} : FEC non conforme, non écrit ({len(problems)} problème(s)) :\n{shown}{more}")
    for index, (written, read) in enumerate(zip(lines, fec.lines, strict=True), start=1):
        if _values(written) != _values(read):
            raise FecError(f"{name}, ligne {index + 1} : relu autrement qu'écrit (encodage {encoding})")
    return data
