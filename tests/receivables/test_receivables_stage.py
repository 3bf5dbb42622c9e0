"""The receivables stage on a warehouse: aged balance and DSO at a month's end, dunning of a close with the
phone log, re-runs."""

import datetime as dt
from decimal import Decimal

import pytest

from assets.common.warehouse import run_sql
from assets.receivables.aging_run import age_month
from assets.receivables.dunning_run import run_dunning
from assets.receivables.letters import write_letters
from checks.payments import control_credits
from tests.billing.case import NOW, D
from tests.billing.test_issuing import association
from tests.payments.test_payment_stage import RECEIPTS, billed, close, drop, rows

M = Decimal


def test_aged_balance_dso_and_dunning_with_the_call_log(tmp_path):
    case, home = billed(tmp_path), tmp_path / "home"  # F2025-000001/2 due 2025-03-07, F2025-000003/4 due 04-04
    drop(home, "encaissements/2025.csv", RECEIPTS)  # pays F2025-000002 and 1000.00 of F2025-000001
    close(case, home, "2025-03")
    with case.transaction() as con:
        summary = age_month(con, home / "sorties", "2025-03")
    folder = home / "sorties" / "2025-03" / "recouvrement"
    assert (folder / "balance_agee.csv").read_text(encoding="utf-8").splitlines() == [
        "\ufeffcode_financeur;nom;non_echu;j1_30;j31_60;j61_90;plus_90;total",
        "D66;Payeur D66;5390,00;4840,00;0,00;0,00;0,00;10230,00",
        "U000001;DURAND Usager000001;310,00;0,00;0,00;0,00;0,00;310,00",
        "TOTAL;Total;5700,00;4840,00;0,00;0,00;0,00;10540,00",
    ]
    # receivables 10,540.00 at 31/03; March billed 5,700.00 (31 days), February 6,150.00: 31 + 4,840/6,150 x 28
    assert summary.dso == M("53.0")
    assert rows(case, "SELECT scope, receivables, days FROM dso WHERE month = '2025-03' ORDER BY scope") == [
        ("departement", M("10230.00"), M("54.2")),  # 31 + 4,840 / 5,840 x 28
        ("total", M("10540.00"), M("53.0")),
        ("usager", M("310.00"), M("31.0")),
    ]

    # 5 May: F2025-000001 (4,840.00 open) is 59 days late, F2025-000003 31, F2025-000004 31
    drop(
        home,
        "relances/appels.csv",
        "date;cible;interlocuteur;resultat;date_promesse;montant_promis;commentaire\n"
        "2025-04-20;U000001;la tutrice;promesse;2025-05-15;310,00;paiera à la mi-mai\n"
        "2025-04-21;F2025-000099;x;peut-etre;;;\n",
    )
    with case.transaction() as con:
        first = run_dunning(con, case.settings, home / "entrees", home / "sorties", "2025-04", dt.date(2025, 5, 5), NOW)
    assert (first.reminders, first.invoices, first.holds, first.rejected_calls) == (1, 2, 1, 1)
    assert rows(case, "SELECT payer_code, number, level, channels, amount FROM reminders ORDER BY seq") == [
        ("D66", "F2025-000001", "relance1", "releve", M("4840.00")),
        ("D66", "F2025-000003", "relance1", "releve", M("5390.00")),
    ]
    assert rows(case, "SELECT number, reason FROM dunning_holds") == [("F2025-000004", "promesse")]
    assert rows(case, "SELECT line, column_name, value FROM quarantine WHERE scope = 'relances'") == [
        (3, "resultat", "peut-etre")
    ]
    relances = (home / "sorties" / "2025-04" / "recouvrement" / "relances.csv").read_text(encoding="utf-8")
    assert relances.splitlines() == [
        "\ufeffdate;code_financeur;niveau;canaux;factures;montant",
        "2025-05-05;D66;relance1;releve;F2025-000001 F2025-000003;10230,00",
    ]
    # the same day again: the same plan, nothing sent twice
    with case.transaction() as con:
        again = run_dunning(con, case.settings, home / "entrees", home / "sorties", "2025-04", dt.date(2025, 5, 5), NOW)
    assert (again.reminders, again.invoices, again.holds) == (1, 2, 1)
    assert rows(case, "SELECT count(*) FROM reminders") == [(2,)]
    # 20 May: the promise is broken, the département is due its second reminder and a call
    with case.transaction() as con:
        later = run_dunning(
            con, case.settings, home / "entrees", home / "sorties", "2025-05", dt.date(2025, 5, 20), NOW
        )
    assert (later.reminders, later.calls) == (2, 2)
    calls = home / "sorties" / "2025-05" / "recouvrement" / "appels_a_passer.csv"
    first_list = calls.read_bytes()
    # May closed again the same day: its call list, the reminders' calls included, is the same
    with case.transaction() as con:
        again = run_dunning(
            con, case.settings, home / "entrees", home / "sorties", "2025-05", dt.date(2025, 5, 20), NOW
        )
    assert (again.reminders, again.calls) == (2, 2)
    assert calls.read_bytes() == first_list
    assert rows(case, "SELECT count(*) FROM reminders") == [(5,)]
    # what was sent is read for the invoices still open only: a level sent of F2025-000002, paid since, is not
    with case.transaction() as con:
        con.execute(
            "INSERT INTO reminders (seq, payer_code, number, level, day, channels, amount, run_month) "
            "VALUES (0, 'D66', 'F2025-000002', 'relance1', '2025-03-20', 'releve', 840.00, '2025-02')"
        )
        run_sql(con, "receivables/open_invoices.sql", {"on": dt.date(2025, 5, 20)})
        assert sorted(run_sql(con, "receivables/issued.sql")) == [
            ("F2025-000001", "relance1", dt.date(2025, 5, 5), "2025-04"),
            ("F2025-000001", "relance2", dt.date(2025, 5, 20), "2025-05"),
            ("F2025-000003", "relance1", dt.date(2025, 5, 5), "2025-04"),
            ("F2025-000003", "relance2", dt.date(2025, 5, 20), "2025-05"),
            ("F2025-000004", "relance1", dt.date(2025, 5, 20), "2025-05"),
        ]
        con.execute("DROP TABLE dunning_invoices")
        con.execute("DELETE FROM reminders WHERE seq = 0")
    # April closed again afterwards: nothing sent in its name, its files left as they were
    before = (home / "sorties" / "2025-04" / "recouvrement" / "relances.csv").read_bytes()
    with case.transaction() as con:
        old = run_dunning(con, case.settings, home / "entrees", home / "sorties", "2025-04", dt.date(2025, 6, 1), NOW)
    assert (old.reminders, old.skipped_for) == (0, "2025-05")
    assert (home / "sorties" / "2025-04" / "recouvrement" / "relances.csv").read_bytes() == before
    assert rows(case, "SELECT count(*) FROM reminders WHERE day = '2025-06-01'") == [(0,)]
    calls = (home / "sorties" / "2025-05" / "recouvrement" / "appels_a_passer.csv").read_text(encoding="utf-8")
    assert calls.splitlines() == [
        "\ufeffrang;code_financeur;nom;montant;echeance_la_plus_ancienne;factures;motif;appels_precedents",
        "1;D66;Payeur D66;10230,00;2025-03-07;F2025-000001 F2025-000003;relance2 : appel;",
        "2;U000001;DURAND Usager000001;310,00;2025-04-04;F2025-000004;promesse non tenue;"
        "20/04/2025 promesse (promesse au 15/05/2025)",
    ]


def test_a_dispute_closed_in_the_phone_log_is_reminded_at_the_next_dunning(tmp_path):
    case, home = billed(tmp_path), tmp_path / "home"  # F2025-000004: U000001, 310.00, due 2025-04-04
    drop(home, "encaissements/2025.csv", RECEIPTS)  # pays F2025-000002
    close(case, home, "2025-03")
    log = "date;cible;interlocuteur;resultat;date_promesse;montant_promis;commentaire\n"
    log += "2025-04-20;F2025-000004;la tutrice;litige;;;conteste le forfait journalier\n"
    drop(home, "relances/appels.csv", log)

    def lines(month, name):
        return (home / "sorties" / month / "recouvrement" / name).read_text(encoding="utf-8").splitlines()[1:]

    with case.transaction() as con:
        april = run_dunning(con, case.settings, home / "entrees", home / "sorties", "2025-04", dt.date(2025, 5, 5), NOW)
    assert (april.holds, rows(case, "SELECT number, payer_code, reason FROM dunning_holds")) == (
        1,
        [("F2025-000004", "U000001", "litige")],
    )
    assert rows(case, "SELECT number FROM reminders WHERE payer_code = 'U000001'") == []
    assert lines("2025-04", "contentieux.csv") == ["F2025-000004;U000001;310,00;31;litige"]
    # closed on 12 May: 20 May's dunning sends its first reminder, the département's second goes on as before
    drop(home, "relances/appels.csv", log + "2025-05-12;F2025-000004;la tutrice;litige_clos;;;avoir accepté\n")
    with case.transaction() as con:
        may = run_dunning(con, case.settings, home / "entrees", home / "sorties", "2025-05", dt.date(2025, 5, 20), NOW)
    assert (may.holds, may.rejected_calls) == (0, 0)
    assert rows(case, "SELECT count(*) FROM dunning_holds WHERE month = '2025-05'") == [(0,)]
    sent = "SELECT day, payer_code, number, level, channels, amount FROM reminders WHERE run_month = ? ORDER BY seq"
    assert rows(case, sent, "2025-05") == [
        (dt.date(2025, 5, 20), "D66", "F2025-000001", "relance2", "releve telephone", M("4840.00")),
        (dt.date(2025, 5, 20), "D66", "F2025-000003", "relance2", "releve telephone", M("5390.00")),
        (dt.date(2025, 5, 20), "U000001", "F2025-000004", "relance1", "courrier", M("310.00")),
    ]
    assert lines("2025-05", "relances.csv") == [
        "2025-05-20;D66;relance2;releve telephone;F2025-000001 F2025-000003;10230,00",
        "2025-05-20;U000001;relance1;courrier;F2025-000004;310,00",
    ]
    assert lines("2025-05", "contentieux.csv") == []


def test_nobody_is_chased_on_the_letters_day_for_what_they_paid_since_the_months_end(tmp_path):
    case, home = billed(tmp_path), tmp_path / "home"  # F2025-000001/2 due 2025-03-07, F2025-000003/4 due 04-04
    drop(
        home,
        "encaissements/2025.csv",
        "date;montant;mode;payeur;reference;numero_piece\n"
        "2025-05-02;5840,00;virement;;VIR DEPT66 FACT F2025-000001;\n"  # after April's end: May's close matches it
        "2025-05-06;310,00;cheque;U000001;;CHQ-0009\n",  # after the letters' day
    )
    close(case, home, "2025-04")
    with case.transaction() as con:
        summary = run_dunning(
            con, case.settings, home / "entrees", home / "sorties", "2025-04", dt.date(2025, 5, 5), NOW
        )
    assert rows(case, "SELECT count(*) FROM line_states") == [(0,)]
    assert (summary.reminders, summary.holds) == (2, 1)
    assert rows(case, "SELECT number, reason FROM dunning_holds ORDER BY number") == [
        ("F2025-000001", "encaissement_en_attente"),  # the invoice the transfer names, not the département's others
    ]
    assert rows(case, "SELECT payer_code, number, level FROM reminders ORDER BY seq") == [
        ("D66", "F2025-000003", "relance1"),
        ("U000001", "F2025-000002", "relance1"),
        ("U000001", "F2025-000004", "relance1"),
    ]
    # a cheque after the month's end that names nothing: its payer's late invoices wait for its close
    receipt = "date;montant;mode;payeur;reference;numero_piece\n2025-06-02;155,00;cheque;U000001;;CHQ-1\n"
    drop(home, "encaissements/2025-06.csv", receipt)
    close(case, home, "2025-05")  # the cheque of 6 May settles F2025-000002; F2025-000004 is 62 days late
    with case.transaction() as con:
        run_dunning(con, case.settings, home / "entrees", home / "sorties", "2025-05", dt.date(2025, 6, 5), NOW)
    held = "SELECT number, reason FROM dunning_holds WHERE month = '2025-05' AND payer_code = 'U000001'"
    assert rows(case, held) == [("F2025-000004", "encaissement_en_attente")]


def test_a_receipt_naming_invoices_of_two_payers_waits_and_neither_is_chased(tmp_path):
    case, home = billed(tmp_path), tmp_path / "home"
    receipts = (
        "date;montant;mode;payeur;reference;numero_piece\n2025-04-10;6150,00;virement;;F2025-000001 F2025-000002;\n"
    )
    drop(home, "encaissements/2025.csv", receipts)
    close(case, home, "2025-04")
    assert rows(case, "SELECT status, payer_code FROM line_states") == [("non_rapproche", "D66,U000001")]
    with case.transaction() as con:
        summary = run_dunning(
            con, case.settings, home / "entrees", home / "sorties", "2025-04", dt.date(2025, 5, 5), NOW
        )
    assert (summary.reminders, summary.holds) == (0, 4)
    assert rows(case, "SELECT DISTINCT reason FROM dunning_holds") == [("encaissement_en_attente",)]


def test_an_invoice_below_zero_covers_the_payers_others(tmp_path):
    case = association(tmp_path)
    case.issue("2025-01", D(2025, 2, 5))
    case.execute("UPDATE contributions SET monthly_amount = 620.00")
    case.issue("2025-01", D(2025, 2, 6))  # the resident's invoices: 310.00, then 310.00 more
    case.execute("UPDATE stays SET exit_date = DATE '2025-01-01' WHERE resident_id = '000001'")
    case.issue("2025-02", D(2025, 3, 5))  # he had left: 620.00 credited, each invoice down to 0, latest first
    balances = "SELECT number, open_amount FROM invoice_balances WHERE payer_code = 'U000001' ORDER BY 1"
    assert rows(case, balances) == [("F2025-000002", M("0.00")), ("F2025-000003", M("0.00"))]
    # as a credit note issued before credit notes were shared out left it: all on one, the other stays open
    case.execute("DELETE FROM document_corrections WHERE corrected = 'F2025-000002'")
    case.execute("UPDATE document_corrections SET amount = -620.00 WHERE corrected = 'F2025-000003'")
    assert rows(case, balances) == [("F2025-000002", M("310.00")), ("F2025-000003", M("-310.00"))]
    with case.transaction() as con:
        summary = run_dunning(
            con, case.settings, tmp_path / "entrees", tmp_path / "sorties", "2025-03", dt.date(2025, 4, 20), NOW
        )
    assert (summary.reminders, rows(case, "SELECT number, reason FROM dunning_holds WHERE payer_code = 'U000001'")) == (
        1,  # the département's
        [("F2025-000002", "credit_non_affecte")],
    )


def test_a_payer_is_not_chased_for_what_the_surplus_of_its_transfer_covers(tmp_path):
    case, home = billed(tmp_path), tmp_path / "home"  # D66: F2025-000001 5,840.00 due 03-07, F2025-000003 5,390.00
    drop(  # a transfer naming the first invoice only: 5,840.00 settles it, 5,460.00 stays to its credit
        home,
        "encaissements/2025.csv",
        "date;montant;mode;payeur;reference;numero_piece\n2025-04-10;11300,00;virement;;VIR DEPT66 FACT 2025-1;\n",
    )
    close(case, home, "2025-04")
    on = dt.date(2025, 5, 5)  # F2025-000003 is 31 days late: its first reminder, were it not covered
    with case.transaction() as con:  # the matching's control tells the cell to place the credit
        before, after = control_credits(con, "2025-03"), control_credits(con, "2025-04")
    assert (before.passed, before.value, before.detail) == (True, 0, "aucun excédent d'encaissement à affecter")
    assert (after.control, after.severity, after.passed, after.value) == (
        "credits_non_affectes",
        "avertissement",
        False,
        1,
    )
    assert after.detail == (
        "1 ligne(s) bancaire(s) laissent 5\u202f460,00 € au crédit de leur payeur, sans facture ouverte où "
        "l'imputer (ou imputation désactivée pour son type) : remboursé passé le délai, ou à affecter "
        "(lettrage_manuel.csv) ; les relances de ce que ce crédit couvre sont suspendues"
    )
    assert [{k: v for k, v in e.items() if k != "id_ligne_bancaire"} for e in after.examples] == [
        {"date": "2025-04-10", "code_financeur": "D66", "montant": "11300.00", "non_affecte": "5460.00"}
    ]
    with case.transaction() as con:
        assert run_sql(con, "receivables/credits.sql", {"on": on}) == [("D66", M("5460.00"))]
        assert run_sql(con, "receivables/credits.sql", {"on": dt.date(2025, 4, 9)}) == []  # not received yet
        summary = run_dunning(con, case.settings, home / "entrees", home / "sorties", "2025-04", on, NOW)
    assert rows(case, "SELECT number, payer_code, reason FROM dunning_holds") == [
        ("F2025-000003", "D66", "credit_non_affecte")
    ]
    assert rows(case, "SELECT payer_code, number, level FROM reminders ORDER BY number") == [
        ("U000001", "F2025-000002", "relance1"),  # the resident, who paid nothing, is chased
        ("U000001", "F2025-000004", "relance1"),
    ]
    assert (summary.reminders, summary.invoices, summary.holds) == (1, 2, 1)


@pytest.mark.slow  # renders the letters (WeasyPrint: Pango from apt)
def test_a_letter_per_payer_and_level_addressed_to_the_guardian(tmp_path):
    from pypdf import PdfReader

    case, home = billed(tmp_path), tmp_path / "home"
    case.execute("UPDATE residents SET guardian = 'Jeanne DURAND (tutrice), 4 rue des Lilas, 66000 Perpignan'")
    close(case, home, "2025-03")
    with case.transaction() as con:
        summary = run_dunning(
            con, case.settings, home / "entrees", home / "sorties", "2025-04", dt.date(2025, 4, 25), NOW
        )
        letters = write_letters(con, case.settings, home / "sorties", "2025-04", dt.date(2025, 4, 25))
    folder = home / "sorties" / "2025-04" / "recouvrement" / "relances"
    assert (summary.reminders, letters) == (2, 2)
    assert sorted(p.name for p in folder.iterdir()) == [
        "2025-04-25_D66_relance1.pdf",
        "2025-04-25_U000001_relance1.pdf",
    ]
    text = " ".join(PdfReader(folder / "2025-04-25_U000001_relance1.pdf").pages[0].extract_text().split())
    for expected in (
        "RELANCE",
        "Jeanne DURAND (tutrice)",
        "pour le compte de DURAND Usager000001",
        "4 rue des Lilas, 66000 Perpignan",
        "F2025-000002",
        "F2025-000004",  # 21 days late: its first reminder too, in the same letter
        "Total restant dû 620,00 €",
        "FR76 3000 6000 0112 3456 7890 189",
        "Rappel de factures impayées",
        "les factures ci-dessous, arrivées à échéance, restent impayées",
        "Perpignan, le 25/04/2025",
    ):
        assert expected in text, expected
    statement = " ".join(PdfReader(folder / "2025-04-25_D66_relance1.pdf").pages[0].extract_text().split())
    for expected in ("RELEVÉ DE FACTURES", "F2025-000001", "F2025-000003", "11 230,00 €"):
        assert expected in statement, expected  # a public payer's statement lists all its open invoices


def test_pending_funding_files_with_their_held_amount_age_and_alert(tmp_path):
    from tests.billing.case import D
    from tests.billing.test_issuing import association

    case = association(tmp_path).execute(
        "UPDATE funding_decisions SET status = 'en_instruction' WHERE resident_id = '000002'"
    )
    case.issue("2025-01", D(2025, 2, 5))
    with case.transaction() as con:
        age_month(con, tmp_path / "sorties", "2025-01")
    lines = (
        (tmp_path / "sorties" / "2025-01" / "recouvrement" / "dossiers_en_instruction.csv")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    assert lines == [
        "\ufeffcode_financeur;code_etablissement;id_usager;depuis;age_jours;mois;journees;montant_retenu;alerte_90_jours",
        "D66;FH01;000002;2024-01-01;396;1;10;1500,00;oui",
    ]
    from checks.receivables import control_old_pending_files

    with case.transaction() as con:
        outcome = control_old_pending_files(con, "2025-01")
    assert (outcome.passed, outcome.value, outcome.severity) == (False, 1, "avertissement")
    assert outcome.detail == "1 dossier(s) d'aide en instruction depuis plus de 90 jours, 1\u202f500,00 € retenus"


@pytest.mark.slow  # renders the letters (WeasyPrint: Pango from apt)
def test_a_rerun_renders_only_the_letters_whose_file_is_missing(tmp_path, monkeypatch):
    from assets.receivables import letters

    case, home = billed(tmp_path), tmp_path / "home"
    close(case, home, "2025-03")
    with case.transaction() as con:
        run_dunning(con, case.settings, home / "entrees", home / "sorties", "2025-04", dt.date(2025, 4, 25), NOW)
        letters.write_letters(con, case.settings, home / "sorties", "2025-04", dt.date(2025, 4, 25))
    folder = home / "sorties" / "2025-04" / "recouvrement" / "relances"
    rendered = []
    real = letters.render_all

    def counting(func, payloads, *args, **kwargs):
        rendered.append(sorted(p["file"] for p in payloads))
        return real(func, payloads, *args, **kwargs)

    monkeypatch.setattr(letters, "render_all", counting)
    (folder / "2025-04-25_D66_relance1.pdf").unlink()  # lost, or never written before a crash
    with case.transaction() as con:
        written = letters.write_letters(con, case.settings, home / "sorties", "2025-04", dt.date(2025, 4, 25))
        again = letters.write_letters(con, case.settings, home / "sorties", "2025-04", dt.date(2025, 4, 25))
    assert (written, again) == (2, 2)
    assert rendered == [["2025-04-25_D66_relance1.pdf"], []]
    assert sorted(p.name for p in folder.iterdir()) == [
        "2025-04-25_D66_relance1.pdf",
        "2025-04-25_U000001_relance1.pdf",
    ]
