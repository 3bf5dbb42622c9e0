"""The payment stage on a warehouse: receipts read once, matched, recorded append-only, the month's files,
manual decisions, re-runs."""

import datetime as dt
from decimal import Decimal

from assets.payments.loading import load_bank_inputs, load_decisions
from assets.payments.matching_run import run_matching, write_matching_files
from tests.billing.case import NOW, D
from tests.billing.test_issuing import association

M = Decimal

RECEIPTS = (
    "date;montant;mode;payeur;reference;numero_piece\n"
    "10/03/2025;310,00;cheque;U000001;;CHQ-0001\n"  # the resident's January contribution
    "2025-03-12;1000,00;virement;;VIR DEPT66 FACT 2025-1 ;\n"  # part of D66's January invoice
    "2025-03-20;77,00;especes;;;\n"  # nobody can tell what it is
    "2025-03-21;douze;cheque;U000001;;CHQ-0002\n"  # set aside
)


def billed(tmp_path):
    case = association(tmp_path)
    case.issue("2025-01", D(2025, 2, 5))
    case.issue("2025-02", D(2025, 3, 5))
    assert [(n, p, a) for n, _, _, _, p, _, a, *_ in case.documents()] == [
        ("F2025-000001", "D66", M("5840.00")),
        ("F2025-000002", "U000001", M("310.00")),
        ("F2025-000003", "D66", M("5390.00")),
        ("F2025-000004", "U000001", M("310.00")),
    ]
    return case


def drop(home, relative, text):
    path = home / "entrees" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def close(case, home, month):
    with case.transaction() as con:
        loaded = load_bank_inputs(con, home / "entrees", month, NOW)
        decisions, bad = load_decisions(con, home / "entrees", month, NOW)
        matched = run_matching(con, month, decisions, NOW)
        files = write_matching_files(con, home / "sorties", month)
    return loaded, matched, files, bad


def rows(case, query, *params):
    with case.transaction() as con:
        return con.execute(query, list(params)).fetchall()


def test_receipts_are_matched_recorded_and_written(tmp_path):
    case, home = billed(tmp_path), tmp_path / "home"
    drop(home, "encaissements/2025.csv", RECEIPTS)
    loaded, matched, files, _ = close(case, home, "2025-03")
    assert (loaded.files, loaded.read, loaded.lines_new, loaded.rejected) == (1, 1, 3, 1)
    assert rows(case, "SELECT path, line, column_name, value FROM quarantine WHERE scope = 'banque'") == [
        ("encaissements/2025.csv", 5, "montant", "douze")
    ]
    assert rows(
        case, "SELECT line_id, number, amount, rule, allocated_on, run_month FROM allocations ORDER BY seq"
    ) == [
        (
            rows(case, "SELECT line_id FROM bank_lines WHERE amount = 1000")[0][0],
            "F2025-000001",
            M("1000.00"),
            "reference",
            D(2025, 3, 12),
            "2025-03",
        ),
        ("MAN-cheque-CHQ-0001", "F2025-000002", M("310.00"), "payeur_montant", D(2025, 3, 10), "2025-03"),
    ]
    assert (matched.allocations, matched.settled, files) == (2, 1, {"rapprochements": 2, "non_rapproches": 1})
    assert rows(case, "SELECT payer_code, letter, number, event_date, event FROM letters") == [
        ("U000001", "AA", "F2025-000002", D(2025, 3, 10), "lettre")
    ]
    assert rows(case, "SELECT number, open_amount, letter FROM invoice_balances ORDER BY number") == [
        ("F2025-000001", M("4840.00"), None),
        ("F2025-000002", M("0.00"), "AA"),
        ("F2025-000003", M("5390.00"), None),
        ("F2025-000004", M("310.00"), None),
    ]
    folder = home / "sorties" / "2025-03" / "lettrage"
    ref_id = rows(case, "SELECT line_id FROM bank_lines WHERE amount = 1000")[0][0]
    cash_id = rows(case, "SELECT line_id FROM bank_lines WHERE amount = 77")[0][0]
    assert (folder / "rapprochements.csv").read_text(encoding="utf-8").splitlines() == [
        "\ufeffid_ligne_bancaire;date;montant;numero_facture;montant_affecte;regle;code_financeur;lettre;date_lettrage",
        f"{ref_id};2025-03-12;1000,00;F2025-000001;1000,00;reference;D66;;",
        "MAN-cheque-CHQ-0001;2025-03-10;310,00;F2025-000002;310,00;payeur_montant;U000001;AA;2025-03-10",
    ]
    assert (folder / "non_rapproches.csv").read_text(encoding="utf-8").splitlines() == [
        "\ufeffid_ligne_bancaire;date;montant;compte;libelle;nom_emetteur;iban_emetteur;payeur_probable;motif",
        f"{cash_id};2025-03-20;77,00;MANUEL;especes;;;;payeur inconnu et aucune référence de facture",
    ]

    # a re-run reads nothing again, appends nothing, and rewrites the same files
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    loaded, matched, _, _ = close(case, home, "2025-03")
    assert (loaded.read, loaded.lines_new, matched.allocations, matched.settled) == (0, 0, 0, 0)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert rows(case, "SELECT count(*) FROM allocations")[0][0] == 2
    assert rows(case, "SELECT count(*) FROM quarantine WHERE scope = 'banque'")[0][0] == 1

    # the cell decides the cash: part of the resident's February invoice; the rest of the line is refused
    drop(
        home,
        "relances/lettrage_manuel.csv",
        f"id_ligne_bancaire;numero_facture;montant\n{cash_id};F2025-000004;77,00\n",
    )
    _, matched, files, bad = close(case, home, "2025-03")
    assert (matched.allocations, bad, files["non_rapproches"]) == (1, 0, 0)
    assert rows(case, "SELECT number, amount, rule FROM allocations WHERE line_id = ?", cash_id) == [
        ("F2025-000004", M("77.00"), "manuel")
    ]
    # a decision about a line of a later month waits for that month's close, it is not "unknown"
    drop(
        home,
        "encaissements/avril.csv",
        "date;montant;mode;payeur;reference;numero_piece\n2025-04-02;5,00;especes;;;E1\n",
    )
    drop(
        home,
        "relances/lettrage_manuel.csv",
        f"id_ligne_bancaire;numero_facture;montant\n{cash_id};F2025-000004;77,00\nMAN-especes-E1;;\n",
    )
    _, matched, _, bad = close(case, home, "2025-03")
    assert (matched.allocations, matched.rejected_decisions, bad) == (0, 0, 0)
    assert rows(case, "SELECT status FROM line_states WHERE line_id = 'MAN-especes-E1'") == []
    # it survives any re-run, and a later month's close
    for month in ("2025-03", "2025-04"):
        _, matched, _, _ = close(case, home, month)
        assert matched.allocations == 0
    assert rows(case, "SELECT status, rule FROM line_states WHERE line_id = ?", cash_id) == [("rapproche", "manuel")]
    assert rows(case, "SELECT status, rule FROM line_states WHERE line_id = 'MAN-especes-E1'") == [
        ("hors_recettes", "manuel")
    ]


def test_the_same_file_under_two_names_is_read_once_and_a_changed_file_adds_only_its_new_rows(tmp_path):
    case, home = billed(tmp_path), tmp_path / "home"
    drop(home, "encaissements/mars.csv", RECEIPTS)
    drop(home, "encaissements/copie de mars.csv", RECEIPTS)
    loaded, *_ = close(case, home, "2025-03")
    assert (loaded.files, loaded.read, loaded.duplicates, loaded.lines_new) == (2, 1, 1, 3)
    assert rows(case, "SELECT path, status, same_as FROM bank_files ORDER BY path") == [
        ("encaissements/copie de mars.csv", "lu", None),
        ("encaissements/mars.csv", "doublon", "encaissements/copie de mars.csv"),
    ]
    # the file grows: the rows already read are not added twice; a piece number reused with another
    # amount is set aside with its reason
    drop(
        home,
        "encaissements/mars.csv",
        RECEIPTS + "2025-03-25;310,00;cheque;U000001;;CHQ-0003\n2025-03-26;999,00;cheque;U000001;;CHQ-0001\n",
    )
    loaded, matched, *_ = close(case, home, "2025-04")
    assert (loaded.read, loaded.lines_new, loaded.lines_known) == (1, 1, 3)
    assert rows(case, "SELECT line, column_name, reason FROM quarantine WHERE month = '2025-04' ORDER BY line") == [
        (5, "montant", "montant attendu (par exemple 1234,56)"),
        (
            7,
            "id_ligne_bancaire",
            "ligne déjà enregistrée sous cet identifiant avec une autre date ou un autre montant : non reprise "
            "(une correction se saisit en ligne de contre-passation)",
        ),
    ]
    assert rows(
        case, "SELECT path, rows_read, rows_rejected FROM bank_files WHERE month = '2025-04' AND status = 'lu'"
    ) == [("encaissements/mars.csv", 5, 2)]
    # the new cheque pays the oldest open 310.00 invoice of the resident
    assert rows(case, "SELECT number, rule FROM allocations WHERE line_id = 'MAN-cheque-CHQ-0003'") == [
        ("F2025-000004", "payeur_montant")
    ]


def test_a_decision_file_with_bad_rows_keeps_the_good_ones(tmp_path):
    case, home = billed(tmp_path), tmp_path / "home"
    drop(home, "encaissements/2025.csv", RECEIPTS)
    close(case, home, "2025-03")
    cash_id = rows(case, "SELECT line_id FROM bank_lines WHERE amount = 77")[0][0]
    drop(
        home,
        "relances/lettrage_manuel.csv",
        "id_ligne_bancaire;numero_facture;montant\n"
        f"{cash_id};;\n"  # not a receipt of ours
        "MAN-cheque-INCONNU;F2025-000004;10,00\n"
        f"{cash_id};F2025-000004;abc\n",
    )
    _, matched, files, bad = close(case, home, "2025-03")
    assert bad == 1 and matched.rejected_decisions == 1
    assert rows(case, "SELECT line, column_name, reason FROM quarantine WHERE scope = 'lettrage' ORDER BY line") == [
        (3, "id_ligne_bancaire", "ligne bancaire inconnue"),
        (4, "montant", "montant attendu (par exemple 1234,56)"),
    ]
    assert rows(case, "SELECT status FROM line_states WHERE line_id = ?", cash_id) == [("hors_recettes",)]
    assert files["non_rapproches"] == 0
    # the file removed: the decisions last read still hold
    (home / "entrees" / "relances" / "lettrage_manuel.csv").unlink()
    close(case, home, "2025-03")
    assert rows(case, "SELECT status FROM line_states WHERE line_id = ?", cash_id) == [("hors_recettes",)]
    assert dt.date(2025, 3, 31) == rows(case, "SELECT max(cutoff) FROM line_states")[0][0]


def test_overlapping_statements_record_each_line_once_and_a_malformed_file_is_refused_whole(tmp_path):
    import datetime as dt

    from checks.payments import control_bank_files, control_statement_balances, control_statement_chain
    from demo.bank_files import Movement, StatementData, camt053, cfonb120

    case, home = billed(tmp_path), tmp_path / "home"
    iban = "FR7630006000011234567890189"
    moves = [
        Movement(dt.date(2025, 3, day), M("100.00") + day, "VIR SEPA RECU", f"F2025-00000{1 + day % 2}", f"R{day}")
        for day in (3, 12, 20)
    ]

    def statement(first, last, number, opening, kept):
        return StatementData(iban, "AGRIFRPP", "ASSOCIATION", "EUR", number, first, last, M(opening), tuple(kept))

    first_half = statement(dt.date(2025, 3, 1), dt.date(2025, 3, 15), 1, "1000.00", moves[:2])
    second_half = statement(dt.date(2025, 3, 10), dt.date(2025, 3, 31), 2, "1103.00", moves[1:])
    created = dt.datetime(2025, 4, 1, 6, 0)
    drop_bytes = {
        "banque/mars_1.xml": camt053([first_half], created, "A"),
        "banque/mars_2.xml": camt053([second_half], created, "B"),
        "banque/tronque.cfo": cfonb120([first_half], "30006", "00001", "12345678901")[:-30],
    }
    for name, data in drop_bytes.items():
        path = home / "entrees" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    loaded, *_ = close(case, home, "2025-03")
    assert (loaded.files, loaded.read, loaded.statements, loaded.lines_read, loaded.lines_new, loaded.lines_known) == (
        3,
        3,  # the truncated file was read too, and refused
        2,
        4,
        3,
        1,
    )
    assert rows(case, "SELECT line_id, amount FROM bank_lines ORDER BY booking_date") == [
        ("CAMT-R3", M("103.00")),
        ("CAMT-R12", M("112.00")),
        ("CAMT-R20", M("120.00")),
    ]
    assert loaded.unreadable == {
        "banque/tronque.cfo": "banque/tronque.cfo, enregistrement 6 : 92 caractères au lieu de 120"
    }
    with case.transaction() as con:
        unreadable = control_bank_files(con, "2025-03")
        assert (unreadable.passed, unreadable.severity, unreadable.value) == (False, "erreur", 1)
        assert control_statement_balances(con, "2025-03").passed
        chain = control_statement_chain(con, "2025-03")
        assert (chain.passed, chain.severity) == (False, "avertissement")
        assert chain.examples[0]["probleme"] == (
            "solde initial 1103,00 du 10/03/2025 ≠ solde final 1215,00 du relevé précédent (15/03/2025)"
        )


def test_a_later_close_rewrites_only_the_line_states_that_changed(tmp_path):
    case, home = billed(tmp_path), tmp_path / "home"
    drop(home, "encaissements/2025.csv", RECEIPTS)
    close(case, home, "2025-03")
    before = rows(case, "SELECT * FROM line_states ORDER BY line_id")
    cash_id = rows(case, "SELECT line_id FROM bank_lines WHERE amount = 77")[0][0]
    drop(home, "relances/lettrage_manuel.csv", f"id_ligne_bancaire;numero_facture;montant\n{cash_id};;\n")
    close(case, home, "2025-04")
    after = rows(case, "SELECT * FROM line_states ORDER BY line_id")
    assert len(before) == len(after) >= 3
    assert [r for r in after if r[0] != cash_id] == [r for r in before if r[0] != cash_id]  # cut-off 31 March kept
    assert [(r[1], r[-1]) for r in after if r[0] == cash_id] == [("hors_recettes", dt.date(2025, 4, 30))]
