"""Réciprocité comptable: each payer's 411 balance in the ledger read back against Recettes, explained."""

import dataclasses
import datetime as dt
from decimal import Decimal

from assets.accounting.fec import FecLine, LedgerLine, read_fec, write_fec
from assets.accounting.fec import read_general_ledger as read_ledger
from assets.accounting.reciprocity import OurLine, last_date, reciprocity

D = Decimal
DAY = dt.date(2026, 3, 5)


def fec_line(journal, num, account, aux, aux_label, piece, debit, credit, day=DAY, label="x"):
    return FecLine(
        journal, journal, num, day, account, account, aux, aux_label, piece, day, label, D(debit), D(credit),
        valid_date=day,
    )  # fmt: skip


def ours():
    return [
        OurLine("D66", "Département 66", "F2026-000001", "VT-2026-000001", DAY, D("1000.00")),
        OurLine("D66", "Département 66", "CAMT-1", "BQ-2026-000001", DAY, D("-400.00")),
        OurLine("U000001", "DURAND Léa", "F2026-000002", "VT-2026-000002", DAY, D("310.00")),
        OurLine("U000001", "DURAND Léa", "CAMT-2", "BQ-2026-000002", DAY, D("-310.00")),
        OurLine("D11", "Département 11", "F2026-000003", "VT-2026-000003", DAY, D("500.00")),
        OurLine("D11", "Département 11", "F2026-000009", "VT-2026-000009", dt.date(2026, 3, 31), D("80.00")),
    ]


def ledger(*extra):
    lines = [
        # our entries as the accounting software imported them, under its own numbers
        fec_line("VT", "1", "411", "D66", "Département 66", "F2026-000001", "1000.00", "0"),
        fec_line("VT", "1", "7342", "", "", "F2026-000001", "0", "1000.00"),
        fec_line("BQ", "2", "512", "", "", "CAMT-1", "400.00", "0"),
        fec_line("BQ", "2", "411", "D66", "Département 66", "CAMT-1", "0", "400.00"),
        fec_line("VT", "3", "411", "U000001", "DURAND Léa", "F2026-000002", "310.00", "0"),
        fec_line("VT", "3", "7352", "", "", "F2026-000002", "0", "310.00"),
        fec_line("BQ", "4", "512", "", "", "CAMT-2", "310.00", "0"),
        fec_line("BQ", "4", "411", "U000001", "DURAND Léa", "CAMT-2", "0", "310.00"),
        fec_line("VT", "5", "411", "D11", "Département 11", "F2026-000003", "500.00", "0"),
        fec_line("VT", "5", "7342", "", "", "F2026-000003", "0", "500.00"),
        # other activity of the association: no 411
        fec_line("PA", "6", "641", "", "", "PAIE03", "9000.00", "0"),
        fec_line("PA", "6", "421", "", "", "PAIE03", "0", "9000.00"),
        *extra,
    ]
    return read_fec(write_fec(lines), "grand_livre.txt")


def test_balances_equal_when_the_ledger_has_exactly_our_entries():
    fec = ledger()
    assert last_date(fec) == DAY
    assert reciprocity(fec, ours(), "411", DAY) == []  # F2026-000009 is dated after the ledger's last day


def test_an_entry_imported_twice_a_manual_entry_and_one_not_imported_are_found_and_explained():
    fec = ledger(
        fec_line("BQ", "7", "512", "", "", "CAMT-1", "400.00", "0"),  # CAMT-1 imported a second time
        fec_line("BQ", "7", "411", "D66", "Département 66", "CAMT-1", "0", "400.00", label="Encaissement CAMT-1"),
        fec_line("OD", "8", "654", "", "", "OD-12", "310.00", "0"),  # written off by hand in accounting
        fec_line("OD", "8", "411", "U000001", "DURAND Léa", "OD-12", "0", "310.00", label="Perte sur créance"),
    )
    on = dt.date(2026, 3, 31)
    found = reciprocity(fec, ours(), "411", on)
    assert [(d.aux, d.ledger, d.ours, d.gap) for d in found] == [
        ("D11", D("500.00"), D("580.00"), D("-80.00")),
        ("D66", D("200.00"), D("600.00"), D("-400.00")),
        ("U000001", D("-310.00"), D("0.00"), D("-310.00")),
    ]
    assert [d.explanations for d in found] == [
        ["non importée en comptabilité : VT-2026-000009 pièce F2026-000009 (80,00)"],
        ["importée deux fois : pièce CAMT-1, BQ 7 du 05/03/2026 « Encaissement CAMT-1 » (-400,00)"],
        ["saisie en comptabilité, absente de Recettes : OD 8 du 05/03/2026 « Perte sur créance » (-310,00)"],
    ]


def test_the_ledger_reader_keeps_the_client_lines_as_read_fec_reads_them():
    header = "JournalCode|EcritureNum|EcritureDate|CompteNum|CompAuxNum|CompAuxLib|PieceRef|EcritureLib|Debit|Credit|"
    text = (
        f"{header}\r\n"
        "VT|1|20260305| 411 |D66|Département 66|F2026-000001|x|1000,00|0,00|\r\n"  # padded, separator at the end
        "VT|1|20260305|7342||||x|0,00|1000,00|\r\n"
        "\r\n"  # a blank line
        "BQ\t2\t20260306\t411\tD66\tDépartement 66\tCAMT-1\tx\t\t400,00\r\n"  # cut on tabs (A02)
        "BQ|3|20260310|4110|U1|DURAND|CAMT-2|x|abc\r\n"  # an unreadable amount, a field short
        "OD|5|00000305|411|U1|DURAND|X-1|x|5,00||\r\n"  # no year 0: no date
        "OD|6|20260230|411|U1|DURAND|X-2|x||5,00|\r\n"  # no 30 February either
        "PA|4|20260331|641||||x|9,00|0,00|"  # the latest date, not a client line, no line end
    ).encode("iso-8859-15")
    fec, ledger = read_fec(text, "gl.txt"), read_ledger(text, "gl.txt", "411")
    assert (ledger.encoding, ledger.rows, ledger.last_date) == ("iso-8859-15", 7, dt.date(2026, 3, 31))
    assert ledger.lines == [
        LedgerLine("VT", "1", DAY, "411", "D66", "Département 66", "F2026-000001", "x", D("1000.00"), D("0")),
        LedgerLine("BQ", "2", dt.date(2026, 3, 6), "411", "D66", "Département 66", "CAMT-1", "x", D("0"), D("400.00")),
        LedgerLine("BQ", "3", dt.date(2026, 3, 10), "4110", "U1", "DURAND", "CAMT-2", "x", None, D("0")),
        LedgerLine("OD", "5", None, "411", "U1", "DURAND", "X-1", "x", D("5.00"), D("0")),
        LedgerLine("OD", "6", None, "411", "U1", "DURAND", "X-2", "x", D("0"), D("5.00")),
    ]
    assert [x.compte_num for x in fec.lines if x.compte_num.startswith("411")] == ["411", "411", "4110", "411", "411"]
    assert [x.ecriture_date for x in fec.lines][-3:] == [None, None, dt.date(2026, 3, 31)]
    assert reciprocity(ledger, [], "411", DAY) == reciprocity(fec, [], "411", DAY)
    montant = "JournalCode|EcritureNum|EcritureDate|CompteNum|Montant|Sens\nVT|1|20260305|411|12,50|C\n"
    assert read_ledger(montant.encode(), "m.txt", "411").lines == [
        LedgerLine("VT", "1", DAY, "411", "", "", "", "", D("0"), D("12.50"))
    ]


def test_a_fiscal_years_ledger_opens_with_its_a_nouveaux_and_a_gap_carried_from_the_year_before_is_named():
    jan1 = dt.date(2026, 1, 1)
    before = [  # 2025: D66 invoiced 700 and paid 700; U000001 invoiced 310, unpaid, written off by hand in 2025
        OurLine("D66", "Département 66", "F2025-000101", "VT-2025-000101", dt.date(2025, 11, 5), D("700.00")),
        OurLine("D66", "Département 66", "CAMT-0", "BQ-2025-000050", dt.date(2025, 12, 10), D("-700.00")),
        OurLine("U000001", "DURAND Léa", "F2025-000102", "VT-2025-000102", dt.date(2025, 11, 5), D("310.00")),
        OurLine("D11", "Département 11", "F2025-000103", "VT-2025-000103", dt.date(2025, 12, 5), D("90.00")),
    ]
    opening = [  # the 2026 FEC carries the balances of 2025, one line per payer whose balance is not zero
        fec_line("AN", "1", "411", "D11", "Département 11", "AN-2026", "90.00", "0", day=jan1),
        fec_line("AN", "1", "110", "", "", "AN-2026", "0", "90.00", day=jan1),
    ]
    fec = ledger(*opening)
    # D66 and D11 agree (their 2025 lines are carried as one balance), U000001's 2025 write-off shows as such
    found = reciprocity(fec, before + ours(), "411", DAY)
    assert [(d.aux, d.ledger, d.ours, d.gap, d.explanations) for d in found] == [
        (
            "U000001",
            D("0.00"),
            D("310.00"),
            D("-310.00"),
            ["à-nouveaux du 01/01/2026 : 0,00 en comptabilité, 310,00 dans Recettes (écart d'un exercice précédent)"],
        )
    ]
    # read for the réciprocité and cut to the payers that differ (check_reciprocity), as a payer whose
    # balance was 0 at the year's end has no à-nouveau line: the ledger's own date of à-nouveaux still holds
    read = read_ledger(write_fec(fec.lines), "grand_livre.txt", "411")
    assert read.opening == jan1
    cut = dataclasses.replace(read, lines=[x for x in read.lines if x.comp_aux_num == "D66"])
    mine = [x for x in before + ours() if x.aux == "D66"] + [
        OurLine("D66", "Département 66", "F2025-000104", "VT-2025-000104", dt.date(2025, 12, 6), D("50.00"))
    ]
    assert [(d.aux, d.explanations) for d in reciprocity(cut, mine, "411", DAY)] == [
        (
            "D66",
            ["à-nouveaux du 01/01/2026 : 0,00 en comptabilité, 50,00 dans Recettes (écart d'un exercice précédent)"],
        )
    ]
    # without its à-nouveaux, the same ledger names each of our 2025 lines as missing
    found = reciprocity(ledger(), before + ours(), "411", DAY)
    assert [d.aux for d in found] == ["D11", "U000001"]
    assert found[0].explanations == ["non importée en comptabilité : VT-2025-000103 pièce F2025-000103 (90,00)"]
