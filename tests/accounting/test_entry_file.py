"""A month's entry file on a warehouse: built from the documents and receipts, exported in the FEC layout,
locked; a late receipt goes to the first open month; unlocking is for the last exported month only."""

import datetime as dt
from decimal import Decimal

import pytest

from assets.accounting.entry_file import LockError, build_entries, export_month, unlock
from assets.accounting.fec import read_fec, validate
from tests.billing.case import NOW
from tests.payments.test_payment_stage import RECEIPTS, billed, close, drop, rows

M = Decimal


def account(case, month):
    return rows(
        case,
        "SELECT journal, account, coalesce(aux, ''), sum(debit), sum(credit) FROM entries WHERE export_month = ? "
        "GROUP BY ALL ORDER BY ALL",
        month,
    )


def ledger(case, home, month, valid):
    with case.transaction() as con:
        built = build_entries(con, case.settings, month, valid)
        path, lines, written = export_month(con, case.settings, home / "sorties", month, NOW)
    return built, path, lines, written


def test_entries_exported_locked_late_receipts_in_the_first_open_month_and_unlock(tmp_path):
    case, home = billed(tmp_path), tmp_path / "home"  # F2025-000001..4 issued 2025-02-05 and 2025-03-05
    drop(home, "encaissements/2025.csv", RECEIPTS)
    close(case, home, "2025-03")

    built, path, lines, written = ledger(case, home, "2025-02", dt.date(2025, 3, 5))
    assert (built.documents, built.receipts, built.locked, written) == (2, 0, False, True)
    assert account(case, "2025-02") == [
        ("VT", "411", "D66", M("5840.00"), M("0.00")),
        ("VT", "411", "U000001", M("310.00"), M("0.00")),
        ("VT", "7342", "", M("0.00"), M("5840.00")),
        ("VT", "7352", "", M("0.00"), M("310.00")),
    ]
    fec = read_fec(path.read_bytes(), path.name)
    assert validate(fec) == [] and path.name == "ecritures_2025-02.txt" and lines == 4
    assert [(x.ecriture_num, x.ecriture_date, x.piece_ref) for x in fec.lines][::2] == [
        ("VT-2025-000001", dt.date(2025, 2, 5), "F2025-000001"),
        ("VT-2025-000002", dt.date(2025, 2, 5), "F2025-000002"),
    ]
    assert path.read_bytes().startswith(b"JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|")

    # March: its documents, the cheque and the transfer by reference on 411, the unknown cash on 4711
    built, path, _, _ = ledger(case, home, "2025-03", dt.date(2025, 4, 5))
    assert (built.documents, built.receipts) == (2, 3)
    assert account(case, "2025-03") == [
        ("BQ", "411", "D66", M("0.00"), M("1000.00")),
        ("BQ", "411", "U000001", M("0.00"), M("310.00")),
        ("BQ", "4711", "", M("0.00"), M("77.00")),
        ("BQ", "512", "", M("1310.00"), M("0.00")),
        ("BQ", "530", "", M("77.00"), M("0.00")),
        ("VT", "411", "D66", M("5390.00"), M("0.00")),
        ("VT", "411", "U000001", M("310.00"), M("0.00")),
        ("VT", "7342", "", M("0.00"), M("5390.00")),
        ("VT", "7352", "", M("0.00"), M("310.00")),
    ]
    assert validate(read_fec(path.read_bytes(), path.name)) == []
    numbers = rows(case, "SELECT DISTINCT entry_num FROM entries WHERE journal = 'VT' ORDER BY 1")
    assert [n for (n,) in numbers] == [f"VT-2025-00000{i}" for i in range(1, 5)]  # continuous across files

    # a locked month does not change: a re-run builds nothing and keeps its file
    before = path.read_bytes()
    built, path, _, written = ledger(case, home, "2025-03", dt.date(2025, 4, 5))
    assert (built.locked, written, path.read_bytes()) == (True, False, before)

    # a receipt dated in locked March, read late, and the cell's decision on the cash: entered in April
    drop(
        home,
        "encaissements/retard.csv",
        "date;montant;mode;payeur;reference;numero_piece\n2025-03-28;310,00;cheque;U000001;;CHQ-9\n",
    )
    cash_id = rows(case, "SELECT line_id FROM bank_lines WHERE amount = 77")[0][0]
    drop(
        home,
        "relances/lettrage_manuel.csv",
        f"id_ligne_bancaire;numero_facture;montant\n{cash_id};F2025-000004;77,00\n",
    )
    close(case, home, "2025-04")
    built, path, _, _ = ledger(case, home, "2025-04", dt.date(2025, 5, 5))
    assert (built.documents, built.receipts, built.transfers) == (0, 1, 1)
    assert rows(
        case,
        "SELECT kind, entry_date, piece_date, account, coalesce(aux, ''), debit, credit FROM entries "
        "WHERE export_month = '2025-04' ORDER BY line_no",
    ) == [
        ("encaissement", dt.date(2025, 4, 1), dt.date(2025, 3, 28), "512", "", M("310.00"), M("0.00")),
        ("encaissement", dt.date(2025, 4, 1), dt.date(2025, 3, 28), "411", "U000001", M("0.00"), M("310.00")),
        ("affectation", dt.date(2025, 4, 30), dt.date(2025, 3, 20), "4711", "", M("77.00"), M("0.00")),
        ("affectation", dt.date(2025, 4, 30), dt.date(2025, 3, 20), "411", "U000001", M("0.00"), M("77.00")),
    ]
    assert validate(read_fec(path.read_bytes(), path.name)) == []

    # unlocking: a reason is required, only the last exported month, and it is recorded
    with case.transaction() as con:
        with pytest.raises(LockError, match="un motif est obligatoire"):
            unlock(con, "2025-04", " ", NOW)
        with pytest.raises(LockError, match="2025-03 ne peut être déverrouillé : 2025-04 exporté"):
            unlock(con, "2025-03", "correction", NOW)
        unlock(con, "2025-04", "écriture de caisse à revoir", NOW)
        with pytest.raises(LockError, match="2025-04 n'est pas verrouillé"):
            unlock(con, "2025-04", "encore", NOW)
    assert rows(case, "SELECT month, reason FROM accounting_unlocks") == [("2025-04", "écriture de caisse à revoir")]
    built, path, _, written = ledger(case, home, "2025-04", dt.date(2025, 5, 6))
    assert (built.locked, built.receipts, built.transfers, written) == (False, 1, 1, True)
    assert rows(case, "SELECT DISTINCT valid_date FROM entries WHERE export_month = '2025-04'") == [
        (dt.date(2025, 5, 6),)
    ]


def test_a_receipt_entered_for_one_payer_then_placed_on_anothers_invoice_moves_between_their_accounts(tmp_path):
    case, home = billed(tmp_path), tmp_path / "home"
    receipts = "date;montant;mode;payeur;reference;numero_piece\n2025-03-10;123,45;cheque;U000001;;CHQ-X\n"
    drop(home, "encaissements/2025.csv", receipts)
    close(case, home, "2025-03")
    ledger(case, home, "2025-02", dt.date(2025, 3, 5))
    ledger(case, home, "2025-03", dt.date(2025, 4, 5))  # waiting for a decision, on the resident's account
    assert [r for r in account(case, "2025-03") if r[0] == "BQ"] == [
        ("BQ", "411", "U000001", M("0.00"), M("123.45")),
        ("BQ", "512", "", M("123.45"), M("0.00")),
    ]
    line_id = rows(case, "SELECT line_id FROM bank_lines")[0][0]
    drop(
        home,
        "relances/lettrage_manuel.csv",
        f"id_ligne_bancaire;numero_facture;montant\n{line_id};F2025-000001;123,45\n",
    )
    close(case, home, "2025-04")
    for _ in range(2):  # the same again when April is rebuilt
        built, path, _, _ = ledger(case, home, "2025-04", dt.date(2025, 5, 5))
        assert built.transfers == 1
        assert account(case, "2025-04") == [
            ("BQ", "411", "D66", M("0.00"), M("123.45")),
            ("BQ", "411", "U000001", M("123.45"), M("0.00")),
        ]
        with case.transaction() as con:
            con.execute("UPDATE accounting_exports SET locked = false WHERE month = '2025-04'")
    # each payer's 411 now says what its invoices say: D66 owes 11,230.00 - 123.45, the resident 620.00
    balances = "SELECT aux, sum(debit - credit) FROM entries WHERE account = '411' GROUP BY 1 ORDER BY 1"
    assert rows(case, balances) == [("D66", M("11106.55")), ("U000001", M("620.00"))]
    open_amounts = "SELECT payer_code, sum(open_amount) FROM invoice_balances GROUP BY 1 ORDER BY 1"
    assert rows(case, open_amounts) == [("D66", M("11106.55")), ("U000001", M("620.00"))]


BALANCES = "SELECT aux, sum(debit - credit) FROM entries WHERE account = '411' GROUP BY 1 ORDER BY 1"
OPEN = "SELECT payer_code, sum(open_amount) FROM invoice_balances GROUP BY 1 ORDER BY 1"
WAITING = "SELECT coalesce(sum(credit - debit), 0) FROM entries WHERE account = '4711'"


def entered_cheque(tmp_path):
    """A cheque of 123.45 from the resident, entered in March on his account, waiting for a decision."""
    case, home = billed(tmp_path), tmp_path / "home"
    receipts = "date;montant;mode;payeur;reference;numero_piece\n2025-03-10;123,45;cheque;U000001;;CHQ-X\n"
    drop(home, "encaissements/2025.csv", receipts)
    close(case, home, "2025-03")
    ledger(case, home, "2025-02", dt.date(2025, 3, 5))
    ledger(case, home, "2025-03", dt.date(2025, 4, 5))
    return case, home, rows(case, "SELECT line_id FROM bank_lines")[0][0]


def decide(home, *rows_):
    lines = "".join(f"{line};{number};{amount}\n" for line, number, amount in rows_)
    drop(home, "relances/lettrage_manuel.csv", "id_ligne_bancaire;numero_facture;montant\n" + lines)


def test_a_receipt_shared_out_again_between_the_same_payers_moves_the_difference(tmp_path):
    case, home, line_id = entered_cheque(tmp_path)
    decide(home, (line_id, "F2025-000001", "100,00"), (line_id, "F2025-000002", "23,45"))
    close(case, home, "2025-04")
    ledger(case, home, "2025-04", dt.date(2025, 5, 5))
    decide(home, (line_id, "F2025-000001", "23,45"), (line_id, "F2025-000002", "100,00"))
    close(case, home, "2025-05")  # the state is the same ("rapproche", both payers): the allocations moved
    built, *_ = ledger(case, home, "2025-05", dt.date(2025, 6, 5))
    assert built.transfers == 1
    assert rows(case, BALANCES) == rows(case, OPEN) == [("D66", M("11206.55")), ("U000001", M("520.00"))]


def test_a_decision_applied_by_closing_an_exported_month_again_reaches_the_next_file(tmp_path):
    case, home = billed(tmp_path), tmp_path / "home"
    drop(home, "encaissements/2025.csv", RECEIPTS)
    close(case, home, "2025-03")
    ledger(case, home, "2025-02", dt.date(2025, 3, 5))
    ledger(case, home, "2025-03", dt.date(2025, 4, 5))  # exported and locked, the cash on 4711
    cash_id = rows(case, "SELECT line_id FROM bank_lines WHERE amount = 77")[0][0]
    decide(home, (cash_id, "F2025-000004", "77,00"))
    close(case, home, "2025-03")  # March closed again with the decision; its file is locked
    close(case, home, "2025-04")
    built, *_ = ledger(case, home, "2025-04", dt.date(2025, 5, 5))
    assert (built.transfers, rows(case, WAITING)) == (1, [(M("0.00"),)])
    assert rows(case, BALANCES) == rows(case, OPEN) == [("D66", M("10230.00")), ("U000001", M("233.00"))]


def test_a_receipt_decided_not_ours_after_it_was_entered_goes_back_to_the_waiting_account(tmp_path):
    case, home, line_id = entered_cheque(tmp_path)
    decide(home, (line_id, "", ""))
    close(case, home, "2025-04")
    built, *_ = ledger(case, home, "2025-04", dt.date(2025, 5, 5))
    assert (built.transfers, rows(case, WAITING)) == (1, [(M("123.45"),)])
    assert rows(case, BALANCES) == rows(case, OPEN) == [("D66", M("11230.00")), ("U000001", M("620.00"))]


def lettering(home, month):
    path = home / "sorties" / month / "comptabilite" / f"lettrage_{month}.csv"
    header, *lines = path.read_text(encoding="utf-8").splitlines()
    assert header == (
        "\ufeffevenement;lettre;date_lettrage;numero_facture;code_financeur;journal;numero_ecriture;date_ecriture;compte;"
        "compte_auxiliaire;piece;libelle;montant;sens;fichier"
    )
    return lines


def test_the_lettering_file_gives_both_sides_of_each_letter_given_or_taken_back_once_they_balance(tmp_path):
    case, home = billed(tmp_path), tmp_path / "home"
    drop(home, "encaissements/2025.csv", RECEIPTS)
    close(case, home, "2025-03")
    ledger(case, home, "2025-02", dt.date(2025, 3, 5))
    ledger(case, home, "2025-03", dt.date(2025, 4, 5))
    assert lettering(home, "2025-02") == []
    # the resident's cheque settles F2025-000002 in March: its invoice was entered in February's file, unlettered
    f2 = "F2025-000002;U000001;VT;VT-2025-000002;2025-02-05;411;U000001;F2025-000002;Facture F2025-000002 FH01 2025-01"
    cheque = "BQ;BQ-2025-000001;2025-03-10;411;U000001;MAN-cheque-CHQ-0001;Encaissement cheque MAN-cheque-CHQ-0001"
    assert lettering(home, "2025-03") == [
        f"lettre;AA;2025-03-10;{f2};310,00;D;ecritures_2025-02.txt",
        f"lettre;AA;2025-03-10;F2025-000002;U000001;{cheque} F2025-000002;310,00;C;ecritures_2025-03.txt",
    ]
    # April: the cheque decided not ours (F2025-000002 reopened), and the resident gone since 1 February: his
    # February invoice credited whole, by a credit note dated 5 May, after April's end
    line_id = rows(case, "SELECT line_id FROM bank_lines WHERE amount = 310")[0][0]
    decide(home, (line_id, "", ""))
    case.execute("UPDATE stays SET exit_date = DATE '2025-02-01' WHERE resident_id = '000001'")
    case.issue("2025-04", dt.date(2025, 5, 5))
    close(case, home, "2025-04")
    built, *_ = ledger(case, home, "2025-04", dt.date(2025, 5, 5))
    assert built.letters == 1  # the letter taken back; F2025-000004's waits for its credit note's entry
    assert lettering(home, "2025-04") == [
        f"delettre;AA;2025-03-10;{f2};310,00;D;ecritures_2025-02.txt",
        f"delettre;AA;2025-03-10;F2025-000002;U000001;{cheque} F2025-000002;310,00;C;ecritures_2025-03.txt",
        "delettre;AA;2025-03-10;F2025-000002;U000001;BQ;BQ-2025-000004;2025-04-30;411;U000001;MAN-cheque-CHQ-0001;"
        "Affectation MAN-cheque-CHQ-0001 F2025-000002;310,00;D;ecritures_2025-04.txt",
    ]
    close(case, home, "2025-05")
    built, path, *_ = ledger(case, home, "2025-05", dt.date(2025, 6, 5))
    assert built.letters == 1
    assert lettering(home, "2025-05") == [
        "lettre;AB;2025-05-05;F2025-000004;U000001;VT;VT-2025-000004;2025-03-05;411;U000001;F2025-000004;"
        "Facture F2025-000004 FH01 2025-02;310,00;D;ecritures_2025-03.txt",
        "lettre;AB;2025-05-05;F2025-000004;U000001;VT;VT-2025-000006;2025-05-05;411;U000001;A2025-000002;"
        "Avoir A2025-000002 sur F2025-000004 FH01 2025-02;310,00;C;ecritures_2025-05.txt",
    ]
    # the entry file letters the credit note's line, settled when exported; a locked month's file stays
    fec = read_fec(path.read_bytes(), path.name)
    assert [(x.piece_ref, x.ecriture_let, x.date_let) for x in fec.lines if x.compte_num == "411"] == [
        ("A2025-000001", "", None),
        ("A2025-000002", "AB", dt.date(2025, 5, 5)),
    ]
    before = (home / "sorties" / "2025-05" / "comptabilite" / "lettrage_2025-05.csv").read_bytes()
    (home / "sorties" / "2025-05" / "comptabilite" / "lettrage_2025-05.csv").unlink()
    built, *_ = ledger(case, home, "2025-05", dt.date(2025, 6, 6))
    assert (
        built.locked and (home / "sorties" / "2025-05" / "comptabilite" / "lettrage_2025-05.csv").read_bytes() == before
    )


def test_a_letter_given_and_taken_back_before_any_file_listed_it_is_not_shown(tmp_path):
    from assets.accounting.lettering import list_letters

    case = billed(tmp_path)
    with case.transaction() as con:
        con.execute(
            "INSERT INTO letters VALUES ('D66', 'AA', 'F2025-000001', DATE '2025-03-12', 'lettre', '2025-03', 1), "
            "('D66', 'AA', 'F2025-000001', DATE '2025-03-12', 'delettre', '2025-03', 2), "
            "('D66', 'AB', 'F2025-000003', DATE '2025-03-14', 'lettre', '2025-04', 3)"
        )
        assert list_letters(con, case.settings, "2025-03") == 1  # the letter taken back, shown; AA given, not
        assert con.execute("SELECT seq, shown FROM lettering_listed WHERE month <> '' ORDER BY seq").fetchall() == [
            (1, False),
            (2, True),
        ]
        # AB: given by April's close, whose file is not built yet; F2025-000003 has no entry line yet either
        assert list_letters(con, case.settings, "2025-04") == 0
