"""SEPA direct debits (docs/rules.md "Receivables and dunning"): the collection date, which invoices a close
presents with which sequence type, a mandate suspended after its returns, and mandats.csv read row by row."""

import datetime as dt
from decimal import Decimal

import pytest

from assets.common.collection import Presented, collection_date
from assets.common.settings import Sepa, Settings
from assets.ingest.mandates import parse_mandates
from assets.payments.collections import Collectable, Mandate, Presentation, plan_presentations

D = Decimal
SETTINGS = Settings(
    association={"nom": "A", "siret": "12345678901234", "adresse": "1 rue", "iban": "FR7630006000011234567890189",
                 "bic": "AGRIFRPP"},
    sepa={"ics": "FR72ZZZ123456"},
)  # fmt: skip
IBAN = "FR7630004000031234567890143"
MANDATE = Mandate("U000001", IBAN, "", "RUM-1", dt.date(2025, 2, 1), None, None)


@pytest.mark.parametrize(
    ("issued", "month", "expected"),
    [
        (dt.date(2025, 4, 5), "2025-03", dt.date(2025, 5, 10)),  # the 10th of the month after issue
        (dt.date(2025, 4, 28), "2025-03", dt.date(2025, 5, 12)),  # never less than 14 days after the invoice
        (dt.date(2025, 4, 5), "2025-06", dt.date(2025, 8, 10)),  # presented again by a later close
    ],
)
def test_the_collection_date(issued, month, expected):
    assert collection_date(issued, month, Sepa()) == expected
    assert collection_date(dt.date(2025, 4, 5), "2025-03", Sepa(jour_prelevement=5)) == dt.date(2025, 5, 5)


def _invoice(number, amount="300.00", issued=dt.date(2025, 4, 5)):
    return Collectable(number, "U000001", issued, D(amount))


def test_frst_then_rcur_and_what_is_not_presented():
    planned = plan_presentations([_invoice("F2"), _invoice("F1", issued=dt.date(2025, 3, 5))], {"U000001": MANDATE},
                                 [], SETTINGS, "2025-03")  # fmt: skip
    assert planned == [
        Presentation("F1", "U000001", "RUM-1", dt.date(2025, 2, 1), IBAN, "", D("300.00"), dt.date(2025, 5, 10),
                     "FRST"),
        Presentation("F2", "U000001", "RUM-1", dt.date(2025, 2, 1), IBAN, "", D("300.00"), dt.date(2025, 5, 10),
                     "FRST"),
    ]  # fmt: skip
    history = [Presented("F1", "U000001", "RUM-1", dt.date(2025, 5, 10), True, False)]
    # F1 pending: not again; F2 presented RCUR since a collection of the mandate went out
    later = plan_presentations([_invoice("F1"), _invoice("F2")], {"U000001": MANDATE}, history, SETTINGS, "2025-04")
    assert [(p.number, p.sequence, p.collection_date) for p in later] == [("F2", "RCUR", dt.date(2025, 6, 10))]
    # no mandate, a mandate signed after the collection date or ended before it, nothing open: nothing
    assert plan_presentations([_invoice("F3", "0.00")], {"U000001": MANDATE}, [], SETTINGS, "2025-03") == []
    assert plan_presentations([_invoice("F3")], {}, [], SETTINGS, "2025-03") == []
    late = Mandate("U000001", IBAN, "", "RUM-1", dt.date(2025, 5, 11), None, None)
    ended = Mandate("U000001", IBAN, "", "RUM-1", dt.date(2025, 1, 1), dt.date(2025, 5, 9), None)
    assert plan_presentations([_invoice("F3")], {"U000001": late}, [], SETTINGS, "2025-03") == []
    assert plan_presentations([_invoice("F3")], {"U000001": ended}, [], SETTINGS, "2025-03") == []
    # the file's own sequence type wins
    fixed = Mandate("U000001", IBAN, "", "RUM-1", dt.date(2025, 1, 1), None, "RCUR")
    assert [p.sequence for p in plan_presentations([_invoice("F3")], {"U000001": fixed}, [], SETTINGS, "2025-03")] == [
        "RCUR"
    ]


def test_a_returned_collection_is_presented_again_until_the_mandate_is_suspended():
    once = [Presented("F1", "U000001", "RUM-1", dt.date(2025, 5, 10), True, True)]
    again = plan_presentations([_invoice("F1")], {"U000001": MANDATE}, once, SETTINGS, "2025-05")
    assert [(p.number, p.collection_date, p.sequence) for p in again] == [("F1", dt.date(2025, 7, 10), "FRST")]
    twice = [
        Presented("F1", "U000001", "RUM-1", dt.date(2025, 5, 10), False, True),
        Presented("F1", "U000001", "RUM-1", dt.date(2025, 7, 10), True, True),
    ]
    assert plan_presentations([_invoice("F1"), _invoice("F2")], {"U000001": MANDATE}, twice, SETTINGS, "2025-07") == []
    # a new mandate (another RUM) starts afresh; the setting sets how many returns suspend
    renewed = Mandate("U000001", IBAN, "", "RUM-2", dt.date(2025, 7, 1), None, None)
    assert [p.rum for p in plan_presentations([_invoice("F1")], {"U000001": renewed}, twice, SETTINGS, "2025-07")] == [
        "RUM-2"
    ]
    patient = SETTINGS.model_copy(update={"sepa": Sepa(ics="FR72ZZZ123456", rejets_avant_suspension=3)})
    assert len(plan_presentations([_invoice("F1")], {"U000001": MANDATE}, twice, patient, "2025-07")) == 1


def test_mandates_read_row_by_row_with_file_line_and_column():
    rows = [
        (2, {"code_financeur": "U1", "iban": IBAN, "bic": "", "rum": "RUM-1", "date_signature": "01/02/2025"}),
        (3, {"code_financeur": "U9", "iban": IBAN, "rum": "RUM-9", "date_signature": "01/02/2025"}),
        (4, {"code_financeur": "U2", "iban": "FR76 1234", "rum": "RUM-2", "date_signature": "01/02/2025"}),
        (5, {"code_financeur": "U3", "iban": IBAN, "rum": "RUM-1", "date_signature": "01/02/2025"}),
        (6, {"code_financeur": "U2", "iban": IBAN, "rum": "RUM 2", "date_signature": "2025-02-01",
             "date_fin": "2025-01-01"}),
        (7, {"code_financeur": "U2", "iban": IBAN, "rum": "RUM-7", "date_signature": "01/02/2025", "sequence": "x"}),
    ]  # fmt: skip
    codes = {"U1": "U000001", "U2": "U000002", "U3": "U000003"}
    kept, rejects = parse_mandates("referentiel/mandats.csv", rows, codes)
    assert kept == []
    assert [(r.line, r.column, r.reason) for r in rejects] == [
        (3, "code_financeur", "payeur inconnu : U9"),
        (4, "iban", "IBAN invalide : longueur incorrecte"),
        (6, "date_fin", "date de fin avant la date de signature"),
        (7, "sequence", "valeur non prévue, attendu : FRST, RCUR"),
        (2, "rum", "référence de mandat en double (lignes 2, 5)"),
        (5, "rum", "référence de mandat en double (lignes 2, 5)"),
    ]
