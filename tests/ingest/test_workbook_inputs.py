"""Workbooks dropped in place of the CSV inputs are read as the CSV would be; a file Recettes cannot read is
named, never skipped; two versions of one extract are refused together; an extract whose every day is set
aside is unreadable, not an empty month."""

import datetime as dt
from decimal import Decimal

from assets.ingest.loading import load_activity, load_referential
from assets.payments.loading import load_bank_inputs, load_decisions
from assets.receivables.call_log import load_calls
from tests.common.workbooks import Formula, csv_rows, ods, xlsx
from tests.conftest import NOW, march_fh01, write_activity

MONTH = "2025-03"
IME = "code_etablissement;id_usager;date;code\nIME01;000003;2025-03-04;P\nIME01;000003;2025-03-05;P\n"


def march_fh01_workbook() -> bytes:
    """march_fh01() as Excel keeps it: dates as date cells, the ids typed as numbers (000001 is 1)."""
    rows: list[list] = [["code_etablissement", "id_usager", "date", "code"]]
    for etab, rid, day, code in csv_rows(march_fh01())[1:]:
        when = dt.datetime.strptime(day, "%d/%m/%Y" if "/" in day else "%Y-%m-%d").date()
        rows.append([etab, int(rid), when, code])
    return xlsx(("Feuil1", rows))


def activity(con):
    return con.execute(
        "SELECT establishment_code, resident_id, day, code, source_line, held FROM activity_days "
        "WHERE month = $m ORDER BY ALL",
        {"m": MONTH},
    ).fetchall()


def files(con):
    return con.execute("SELECT path, status, error FROM activity_files WHERE month = $m ORDER BY path", {"m": MONTH})


def test_an_activity_workbook_dropped_instead_of_its_csv_gives_the_same_days(home, warehouse, tmp_path):
    write_activity(home, MONTH, "fh01.csv", march_fh01())
    with warehouse.transaction() as con:
        load_referential(con, home / "entrees", NOW)
        load_activity(con, home / "entrees", MONTH, NOW)
        from_csv = activity(con)
    (home / "entrees" / "activite" / MONTH / "fh01.csv").unlink()
    write_activity(home, MONTH, "fh01.xlsx", march_fh01_workbook())
    with warehouse.transaction() as con:
        s = load_activity(con, home / "entrees", MONTH, NOW)
        assert (s.files, s.unreadable, s.rejected) == (1, {}, 0)
        assert activity(con) == from_csv and len(from_csv) == 41
        assert con.execute("SELECT DISTINCT source_path FROM activity_days").fetchall() == [
            ("activite/2025-03/fh01.xlsx",)
        ]
        assert files(con).fetchall() == [("activite/2025-03/fh01.xlsx", "lu", None)]
        assert con.execute("SELECT encoding FROM activity_files").fetchall() == [("xlsx",)]


def test_a_grid_in_an_ods_is_read_too(home, warehouse):
    write_activity(
        home,
        MONTH,
        "ime01.ods",
        ods(
            (
                "Mars",
                [["code_etablissement", "id_usager", *(f"J{d:02d}" for d in range(1, 32))], ["IME01", 3, *["P"] * 31]],
            )
        ),
    )
    with warehouse.transaction() as con:
        load_referential(con, home / "entrees", NOW)
        s = load_activity(con, home / "entrees", MONTH, NOW)
        assert (s.days, s.unreadable) == (31, {})
        assert activity(con)[0] == ("IME01", "000003", dt.date(2025, 3, 1), "P", 2, False)


def test_a_file_recettes_cannot_read_is_an_error_naming_it_never_skipped(home, warehouse):
    write_activity(home, MONTH, "fh01.csv", march_fh01())
    write_activity(home, MONTH, "ime01.pdf", b"%PDF-1.7\n")
    write_activity(home, MONTH, "~$fh01.xlsx", b"\x05verrou")
    with warehouse.transaction() as con:
        load_referential(con, home / "entrees", NOW)
        s = load_activity(con, home / "entrees", MONTH, NOW)
        assert s.days == 41
        assert sorted(s.unreadable) == ["activite/2025-03/ime01.pdf", "activite/2025-03/~$fh01.xlsx"]
        assert s.unreadable["activite/2025-03/ime01.pdf"] == (
            "activite/2025-03/ime01.pdf : type de fichier que Recettes ne lit pas (« .pdf ») ; déposez l'extrait en "
            "CSV (séparateur : point-virgule) ou en classeur .xlsx, .xls ou .ods"
        )
        assert s.unreadable["activite/2025-03/~$fh01.xlsx"].startswith(
            "activite/2025-03/~$fh01.xlsx : fichier de verrouillage laissé par le tableur"
        )
        assert [status for _, status, _ in files(con).fetchall()] == ["lu", "illisible", "illisible"]


def test_a_csv_and_a_workbook_of_one_extract_are_an_error_naming_both_and_keep_the_days_in_force(home, warehouse):
    write_activity(home, MONTH, "fh01.csv", march_fh01())
    write_activity(home, MONTH, "ime01.csv", IME)
    with warehouse.transaction() as con:
        load_referential(con, home / "entrees", NOW)
        load_activity(con, home / "entrees", MONTH, NOW)
        before = activity(con)
    write_activity(home, MONTH, "fh01.xlsx", march_fh01_workbook())
    with warehouse.transaction() as con:
        s = load_activity(con, home / "entrees", MONTH, NOW)
        both = "activite/2025-03/fh01.csv, avec activite/2025-03/fh01.xlsx"
        assert s.unreadable == {
            "activite/2025-03/fh01.csv": (
                "activite/2025-03/fh01.csv : deux versions de l'extrait de FH01 pour 2025-03, avec "
                "activite/2025-03/fh01.xlsx ; retirez celle qui n'est pas la bonne (leurs journées ne sont pas "
                "lues, celles déjà en vigueur restent)"
            ),
            "activite/2025-03/fh01.xlsx": (
                "activite/2025-03/fh01.xlsx : deux versions de l'extrait de FH01 pour 2025-03, avec "
                "activite/2025-03/fh01.csv ; retirez celle qui n'est pas la bonne (leurs journées ne sont pas "
                "lues, celles déjà en vigueur restent)"
            ),
        }, both
        assert activity(con) == before  # FH01's days read before stay in force, IME01's are read again


def test_two_files_of_one_establishment_are_two_versions_whatever_their_names(home, warehouse):
    write_activity(home, MONTH, "fh01.csv", march_fh01())
    write_activity(home, MONTH, "fh01_corrige.csv", march_fh01(days=range(1, 20)))
    with warehouse.transaction() as con:
        load_referential(con, home / "entrees", NOW)
        s = load_activity(con, home / "entrees", MONTH, NOW)
        assert sorted(s.unreadable) == ["activite/2025-03/fh01.csv", "activite/2025-03/fh01_corrige.csv"]
        assert (
            "deux versions de l'extrait de FH01 pour 2025-03, avec activite/2025-03/fh01_corrige.csv"
            in (s.unreadable["activite/2025-03/fh01.csv"])
        )
        assert s.days == 0


def test_a_csv_whose_every_date_is_a_serial_number_is_unreadable_naming_where(home, warehouse):
    serials = "code_etablissement;id_usager;date;code\n" + "".join(f"FH01;000001;{45716 + d};P\n" for d in range(1, 32))
    write_activity(home, MONTH, "fh01.csv", serials)
    write_activity(home, MONTH, "ime01.csv", IME)
    with warehouse.transaction() as con:
        load_referential(con, home / "entrees", NOW)
        s = load_activity(con, home / "entrees", MONTH, NOW)
        assert s.unreadable == {
            "activite/2025-03/fh01.csv": (
                "activite/2025-03/fh01.csv : aucune journée lisible, 31 écartée(s) ; d'abord ligne 2, colonne date : "
                "date attendue au format JJ/MM/AAAA ou AAAA-MM-JJ ; ligne 3, colonne date : date attendue au format "
                "JJ/MM/AAAA ou AAAA-MM-JJ ; ligne 4, colonne date : date attendue au format JJ/MM/AAAA ou AAAA-MM-JJ "
                "(45717 est une date que le tableur a enregistrée comme un nombre : donnez à la colonne le format "
                "date avant d'enregistrer le CSV, ou déposez le classeur lui-même)"
            )
        }
        assert [r[0] for r in activity(con)] == ["IME01", "IME01"]


def referential(con) -> dict[str, list[tuple]]:
    """Residents, stays and rates, ids compared as the referential's (000001 typed as a number is 1)."""
    same = "ltrim(id, '0') AS id, * EXCLUDE (id, src_line)"
    return {
        "residents": con.execute(f"SELECT {same} FROM residents ORDER BY ALL").fetchall(),  # noqa: S608
        "stays": con.execute(
            "SELECT ltrim(resident_id, '0'), * EXCLUDE (resident_id, src_line) FROM stays ORDER BY ALL"
        ).fetchall(),
        "rates": con.execute("SELECT * EXCLUDE (src_line) FROM rates ORDER BY ALL").fetchall(),
    }


def test_referential_workbooks_are_read_as_their_csv(home, warehouse):
    referentiel = home / "entrees" / "referentiel"
    with warehouse.transaction() as con:
        load_referential(con, home / "entrees", NOW)
        before = referential(con)
    (referentiel / "usagers.csv").unlink()
    (referentiel / "usagers.xlsx").write_bytes(
        xlsx(
            (
                "Usagers",
                [["id_usager", "nom", "prenom"], [1, "DURAND", "Léa"], [2, "MAS", "Pere"], [3, "ROIG", "Núria"]],
            )
        )
    )
    (referentiel / "tarifs.csv").unlink()
    tarifs = [["code_etablissement", "modalite", "date_debut", "date_fin", "prix_journee", "nature"]]
    tarifs += [["FH01", "internat", dt.date(2025, 1, 1), None, Formula("=127*1.2", 127 * 1.2), "reconduit"]]
    tarifs += [["IME01", "semi_internat", dt.date(2025, 1, 1), None, 189.6, "definitif"]]
    (referentiel / "tarifs.ods").write_bytes(
        ods(("Tarifs", [[c.value if isinstance(c, Formula) else c for c in r] for r in tarifs]))
    )
    with warehouse.transaction() as con:
        s = load_referential(con, home / "entrees", NOW)
        assert (s.changed, s.unreadable, s.rejected) == (True, {}, 0)
        after = referential(con)
        assert after == before  # 127 × 1.2 is stored 152.39999999999998: 152.40 € all the same
        assert [r[4] for r in after["rates"]] == [Decimal("152.40"), Decimal("189.60")]
        assert con.execute(
            "SELECT file, path, status FROM referential_files WHERE file IN ('tarifs.csv', 'usagers.csv') ORDER BY 1"
        ).fetchall() == [
            ("tarifs.csv", "referentiel/tarifs.ods", "charge"),
            ("usagers.csv", "referentiel/usagers.xlsx", "charge"),
        ]


def test_two_versions_of_a_referential_file_keep_the_previous_referential_naming_both(home, warehouse):
    with warehouse.transaction() as con:
        load_referential(con, home / "entrees", NOW)
    (home / "entrees" / "referentiel" / "usagers.xlsx").write_bytes(
        xlsx(("Usagers", [["id_usager", "nom", "prenom"], [1, "DURAND", "Léa"]]))
    )
    with warehouse.transaction() as con:
        s = load_referential(con, home / "entrees", NOW)
        assert not s.changed
        assert s.unreadable == {
            "usagers.csv": "referentiel/usagers.csv : deux versions du même fichier, referentiel/usagers.csv et "
            "referentiel/usagers.xlsx ; retirez celle qui n'est pas la bonne"
        }
        assert con.execute("SELECT count(*) FROM residents").fetchone()[0] == 3


def test_a_manual_receipts_workbook_is_read_with_exact_amounts(home, warehouse):
    folder = home / "entrees" / "encaissements"
    folder.mkdir(parents=True)
    rows = [
        ["date", "montant", "mode", "payeur", "reference", "numero_piece"],
        [dt.date(2025, 3, 5), 1234.56, "cheque", "D66", "F2025-000001", 1234567],
        [dt.date(2025, 3, 6), Formula("=0.1+0.2", 0.1 + 0.2), "especes", "U000001", None, None],
        [dt.date(2025, 3, 7), 100 / 3, "especes", "U000001", None, None],
    ]
    (folder / "mars.xlsx").write_bytes(xlsx(("Saisie", rows)))
    (folder / "cheque.pdf").write_bytes(b"%PDF-1.7\n")
    with warehouse.transaction() as con:
        s = load_bank_inputs(con, home / "entrees", MONTH, NOW)
        lines = con.execute(
            "SELECT line_id, booking_date, amount, mode FROM bank_lines ORDER BY booking_date"
        ).fetchall()
        rejected = con.execute("SELECT path, line, column_name, reason FROM quarantine ORDER BY ALL").fetchall()
    assert lines[0] == ("MAN-cheque-1234567", dt.date(2025, 3, 5), Decimal("1234.56"), "cheque")
    assert [(d, a) for _, d, a, _ in lines[1:]] == [(dt.date(2025, 3, 6), Decimal("0.30"))]
    assert ("encaissements/mars.xlsx", 4, "montant", "montant à plus de deux décimales") in rejected
    assert s.unreadable == {
        "encaissements/cheque.pdf": "encaissements/cheque.pdf : type de fichier que Recettes ne lit pas (« .pdf ») ; "
        "déposez la liste des encaissements en CSV (séparateur : point-virgule) ou en classeur .xlsx, .xls ou .ods"
    }


def test_matching_decisions_and_the_phone_log_as_workbooks(home, warehouse):
    relances = home / "entrees" / "relances"
    relances.mkdir(parents=True)
    decisions = [
        ["id_ligne_bancaire", "numero_facture", "montant"],
        ["CAMT-B1", "F2025-000001", 100.1],
        ["CFONB-X", None, None],
    ]
    (relances / "lettrage_manuel.xlsx").write_bytes(xlsx(("Décisions", decisions)))
    calls = [
        ["date", "cible", "interlocuteur", "resultat", "date_promesse", "montant_promis", "commentaire"],
        [dt.date(2025, 3, 3), "F2025-000123", "Mme X", "promesse", dt.date(2025, 3, 15), 152.4, "rappeler"],
        [dt.date(2025, 3, 4), "D66", None, "litige", None, None, None],
    ]
    (relances / "appels.xlsx").write_bytes(xlsx(("Appels", calls)))
    with warehouse.transaction() as con:
        read, rejected = load_decisions(con, home / "entrees", MONTH, NOW)
        assert rejected == 0
        assert [(d.line_id, d.number, d.amount, d.source_line) for d in read] == [
            ("CAMT-B1", "F2025-000001", Decimal("100.10"), 2),
            ("CFONB-X", "", None, 3),
        ]
        got, rejected = load_calls(con, home / "entrees", MONTH, NOW)
        assert rejected == 0
        assert [(c.day, c.target, c.result, c.promise_date, c.promised_amount) for c in got] == [
            (dt.date(2025, 3, 3), "F2025-000123", "promesse", dt.date(2025, 3, 15), Decimal("152.40")),
            (dt.date(2025, 3, 4), "D66", "litige", None, None),
        ]
        assert con.execute(
            "SELECT path, status, encoding FROM input_files WHERE kind IN ('lettrage', 'relances') ORDER BY path"
        ).fetchall() == [("relances/appels.xlsx", "lu", "xlsx"), ("relances/lettrage_manuel.xlsx", "lu", "xlsx")]
    (relances / "appels.csv").write_text("date;cible;resultat\n03/03/2025;D66;autre\n", encoding="utf-8")
    with warehouse.transaction() as con:
        got, rejected = load_calls(con, home / "entrees", MONTH, NOW)
        assert (got, rejected) == ([], 1)
        assert con.execute("SELECT reason FROM quarantine WHERE scope = 'relances'").fetchall() == [
            (
                "relances/appels.csv : deux versions du même fichier, relances/appels.csv et relances/appels.xlsx ; "
                "retirez celle qui n'est pas la bonne",
            )
        ]
