"""Entries of the sales and bank journals (docs/rules.md "Accounting entries"), as plain functions."""

import dataclasses
import datetime as dt
from decimal import Decimal

from assets.accounting.entries import (
    Document,
    Receipt,
    Share,
    bank_entry,
    move_entry,
    number_entries,
    revenue_account,
    sales_entry,
)
from assets.common.settings_file import parse_settings
from tests.conftest import SETTINGS

D = Decimal
DAY = dt.date(2026, 3, 5)
SETTINGS_FH = SETTINGS + (
    "comptes:\n  produits: {departement: '7342', departement.FH: '73421', assurance_maladie: '7311',"
    " usager: '7352', autre: '7388'}\n"
)


def doc(number="F2026-000001", type_="facture", amount="1000.00", payer="D66", payer_type="departement", etab="FH"):
    return Document(
        number, type_, DAY, "2026-02", "FH01", etab, payer, payer_type, "Département 66", "411D66", D(amount)
    )


def sides(entry):
    return [(x.compte_num, x.comp_aux_num, x.debit, x.credit) for x in entry.lines]


def test_an_invoice_and_a_credit_note_with_the_revenue_account_of_payer_and_establishment_type():
    settings = parse_settings(SETTINGS_FH)
    assert revenue_account(settings, "departement", "FH") == "73421"
    assert revenue_account(settings, "departement", "MAS") == "7342"
    invoice = sales_entry(doc(), settings, DAY)
    assert (invoice.journal, invoice.piece_ref, invoice.label) == (
        "VT",
        "F2026-000001",
        "Facture F2026-000001 FH01 2026-02",
    )
    assert sides(invoice) == [("411", "411D66", D("1000.00"), D("0")), ("73421", "", D("0"), D("1000.00"))]
    credit = sales_entry(doc("A2026-000001", "avoir", "-250.00"), settings, DAY)
    assert sides(credit) == [("411", "411D66", D("0"), D("250.00")), ("73421", "", D("250.00"), D("0"))]
    assert invoice.balanced and credit.balanced


def test_a_receipt_shared_between_payers_its_unknown_rest_on_4711_cash_and_a_return():
    settings = parse_settings(SETTINGS)
    shares = (
        Share("D66", "Département 66", "411D66", D("700.00"), "AB", DAY),
        Share("U000001", "DURAND Léa", "U000001", D("50.00")),
    )
    entry = bank_entry(Receipt("CAMT-1", DAY, D("800.00"), "", shares), settings, DAY)
    assert sides(entry) == [
        ("512", "", D("800.00"), D("0")),
        ("4711", "", D("0"), D("50.00")),
        ("411", "411D66", D("0"), D("700.00")),
        ("411", "U000001", D("0"), D("50.00")),
    ]
    assert [x.ecriture_let for x in entry.lines] == ["", "", "AB", ""] and entry.balanced
    cash = bank_entry(Receipt("MAN-especes-1", DAY, D("20.00"), "especes"), settings, DAY)
    assert sides(cash) == [("530", "", D("20.00"), D("0")), ("4711", "", D("0"), D("20.00"))]
    returned = Share("U000001", "DURAND Léa", "U000001", D("-50.00"))
    back = bank_entry(Receipt("CAMT-R", DAY, D("-50.00"), "", (returned,)), settings, DAY)
    assert sides(back) == [("512", "", D("0"), D("50.00")), ("411", "U000001", D("50.00"), D("0"))]
    assert back.label == "Rejet CAMT-R"
    d66 = Share("D66", "Département 66", "411D66", D("99.00"))
    moved = move_entry("CAMT-9", DAY, {}, [d66], settings, DAY)
    assert sides(moved) == [("4711", "", D("99.00"), D("0")), ("411", "411D66", D("0"), D("99.00"))]
    assert move_entry("CAMT-9", DAY, {("411D66", ""): d66}, [d66], settings, DAY) is None
    # a cheque first given to the resident, then placed on the département's invoice by a decision
    resident = Share("U000001", "DURAND Léa", "U000001", D("123.45"))
    d66 = Share("D66", "Département 66", "411D66", D("123.45"))
    moved = move_entry("MAN-1", DAY, {("U000001", ""): resident}, [d66], settings, DAY)
    assert sides(moved) == [("411", "411D66", D("0"), D("123.45")), ("411", "U000001", D("123.45"), D("0"))]
    assert moved.balanced and moved.kind == "affectation"


def test_numbers_run_per_journal_and_year_in_date_order_from_the_last_one_given():
    settings = parse_settings(SETTINGS)
    entries = [
        sales_entry(doc("F2026-000002"), settings, dt.date(2026, 3, 9)),
        sales_entry(doc("F2026-000001"), settings, dt.date(2026, 3, 2)),
        bank_entry(Receipt("CAMT-1", DAY, D("5.00"), ""), settings, dt.date(2026, 3, 4)),
        sales_entry(doc("F2025-000999"), settings, dt.date(2025, 12, 31)),
    ]
    last = {("VT", 2026): 41}
    numbered = number_entries(entries, last, dt.date(2026, 4, 5))
    assert [(x.journal_code, x.ecriture_num, x.piece_ref) for _, x in numbered][::2] == [
        ("BQ", "BQ-2026-000001", "CAMT-1"),
        ("VT", "VT-2025-000001", "F2025-000999"),
        ("VT", "VT-2026-000042", "F2026-000001"),
        ("VT", "VT-2026-000043", "F2026-000002"),
    ]
    assert last == {("VT", 2026): 43, ("BQ", 2026): 1, ("VT", 2025): 1}
    assert {x.valid_date for _, x in numbered} == {dt.date(2026, 4, 5)}


def test_a_credit_note_has_one_client_line_per_invoice_it_corrects_with_its_letter_when_settled():
    from assets.accounting.entries import Corrected

    settings = parse_settings(SETTINGS_FH)
    corrections = (Corrected("F2026-000003", D("-24.00"), "AC", DAY), Corrected("F2026-000001", D("-738.00")))
    credit = dataclasses.replace(doc("A2026-000001", "avoir", "-762.00"), corrections=corrections)
    entry = sales_entry(credit, settings, DAY)
    assert sides(entry) == [
        ("411", "411D66", D("0"), D("24.00")),
        ("411", "411D66", D("0"), D("738.00")),
        ("73421", "", D("762.00"), D("0")),
    ]
    assert [(x.invoice, x.ecriture_let, x.date_let) for x in entry.lines] == [
        ("F2026-000003", "AC", DAY),
        ("F2026-000001", "", None),
        ("", "", None),
    ]
    assert entry.lines[1].ecriture_lib == "Avoir A2026-000001 sur F2026-000001 FH01 2026-02" and entry.balanced
    invoice = sales_entry(doc(), settings, DAY)
    assert [x.invoice for x in invoice.lines] == ["F2026-000001", ""]


def test_a_receipt_has_one_client_line_per_invoice_it_settles_and_one_for_its_credit():
    settings = parse_settings(SETTINGS)
    shares = (
        Share("D66", "Département 66", "411D66", D("100.00"), "AA", DAY, "F2026-000001"),
        Share("D66", "Département 66", "411D66", D("100.00"), "", None, "F2026-000002"),
        Share("D66", "Département 66", "411D66", D("5.00")),
    )
    entry = bank_entry(Receipt("CAMT-1", DAY, D("205.00"), "", shares), settings, DAY)
    assert [(x.compte_num, x.credit, x.invoice, x.ecriture_let, x.ecriture_lib) for x in entry.lines[1:]] == [
        ("411", D("100.00"), "F2026-000001", "AA", "Encaissement CAMT-1 F2026-000001"),
        ("411", D("100.00"), "F2026-000002", "", "Encaissement CAMT-1 F2026-000002"),
        ("411", D("5.00"), "", "", "Encaissement CAMT-1"),
    ]
    # the same receipt placed on another invoice of the same payer since: 411 to 411, nothing on 4711
    before = {("411D66", s.invoice): s for s in shares}
    after = [shares[0], dataclasses.replace(shares[1], invoice="F2026-000009", letter="AD", settled_on=DAY), shares[2]]
    moved = move_entry("CAMT-1", DAY, before, after, settings, DAY)
    assert [(x.compte_num, x.debit, x.credit, x.invoice, x.ecriture_let) for x in moved.lines] == [
        ("411", D("100.00"), D("0"), "F2026-000002", ""),
        ("411", D("0"), D("100.00"), "F2026-000009", "AD"),
    ]
    assert moved.balanced
