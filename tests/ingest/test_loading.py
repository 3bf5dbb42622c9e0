import datetime as dt

from assets.ingest.loading import load_activity, load_referential
from tests.conftest import NOW, march_fh01, write_activity

IME = "code_etablissement;id_usager;J01;J02;J03;J04;J05\nIME01;3;;;P;P;X\n"


def snapshot(con, month="2025-03"):
    return {
        "days": con.execute(
            "SELECT establishment_code, resident_id, day, code, source_path, source_line, "
            "source_column, held FROM activity_days WHERE month = $m ORDER BY ALL",
            {"m": month},
        ).fetchall(),
        "quarantine": con.execute(
            "SELECT scope, month, path, line, column_name, value, reason, kept FROM quarantine ORDER BY ALL"
        ).fetchall(),
        "files": con.execute("SELECT * FROM activity_files ORDER BY ALL").fetchall(),
        "registry": con.execute(
            "SELECT sha256, path, kind, month, size_bytes, status, same_as, rows_read, "
            "rows_rejected, error FROM input_files ORDER BY ALL"
        ).fetchall(),
    }


def test_referential_is_loaded_then_not_read_again_when_unchanged(home, warehouse):
    with warehouse.transaction() as con:
        s = load_referential(con, home / "entrees", NOW)
        assert s.changed and s.rejected == 0
        assert s.rows == {
            "establishments": 2,
            "payers": 2,
            "residents": 3,
            "stays": 3,
            "funding_decisions": 3,
            "rates": 2,
            "contributions": 1,
        }
        assert con.execute("SELECT count(*) FROM input_files WHERE kind = 'referentiel'").fetchone()[0] == 7
    with warehouse.transaction() as con:
        s = load_referential(con, home / "entrees", NOW + dt.timedelta(days=1))
        assert not s.changed
        assert con.execute("SELECT DISTINCT status FROM referential_files").fetchall() == [("inchange",)]
        assert con.execute("SELECT count(*) FROM residents").fetchone()[0] == 3


def test_an_unreadable_referential_file_keeps_the_previous_referential(home, warehouse):
    with warehouse.transaction() as con:
        load_referential(con, home / "entrees", NOW)
    (home / "entrees" / "referentiel" / "usagers.csv").write_bytes(b"PK\x03\x04binary")
    (home / "entrees" / "referentiel" / "tarifs.csv").unlink()
    with warehouse.transaction() as con:
        s = load_referential(con, home / "entrees", NOW)
        assert not s.changed
        assert con.execute("SELECT count(*) FROM residents").fetchone()[0] == 3
        assert con.execute(
            "SELECT file, status, error FROM referential_files WHERE status <> 'non_charge' ORDER BY file"
        ).fetchall() == [
            ("tarifs.csv", "absent", "referentiel/tarifs.csv : fichier absent"),
            (
                "usagers.csv",
                "illisible",
                "referentiel/usagers.csv : ce fichier est un classeur Excel ou une "
                "archive ZIP, pas un CSV ; enregistrez-le au format « CSV (séparateur : "
                "point-virgule) »",
            ),
        ]


def test_activity_month_long_and_grid_with_rejects(home, warehouse):
    write_activity(home, "2025-03", "fh01.csv", march_fh01() + "FH01;000009;2025-03-01;P\n")
    write_activity(home, "2025-03", "ime01.csv", IME.encode("windows-1252"))
    with warehouse.transaction() as con:
        load_referential(con, home / "entrees", NOW)
        s = load_activity(con, home / "entrees", "2025-03", NOW)
        assert (s.files, s.duplicates, s.days, s.held, s.rejected) == (2, 0, 43, 0, 2)
        assert con.execute(
            "SELECT path, form, encoding, status, rows_read, rows_rejected FROM activity_files ORDER BY path"
        ).fetchall() == [
            ("activite/2025-03/fh01.csv", "long", "utf-8", "lu", 42, 1),
            ("activite/2025-03/ime01.csv", "grille", "utf-8", "lu", 3, 1),
        ]
        assert snapshot(con)["quarantine"] == [
            ("activite", "2025-03", "activite/2025-03/fh01.csv", 43, "id_usager", "000009", "usager inconnu", False),
            (
                "activite",
                "2025-03",
                "activite/2025-03/ime01.csv",
                2,
                "J05",
                "X",
                "code inconnu, attendu : P, H, C ou F",
                False,
            ),
        ]
        assert con.execute(
            "SELECT resident_id, day, source_column FROM activity_days WHERE establishment_code = 'IME01' ORDER BY day"
        ).fetchall() == [("000003", dt.date(2025, 3, 3), "J03"), ("000003", dt.date(2025, 3, 4), "J04")]


def test_same_content_twice_is_read_once_and_rerunning_changes_nothing(home, warehouse):
    write_activity(home, "2025-03", "fh01.csv", march_fh01())
    write_activity(home, "2025-03", "fh01 (copie).csv", march_fh01())
    with warehouse.transaction() as con:
        load_referential(con, home / "entrees", NOW)
        s = load_activity(con, home / "entrees", "2025-03", NOW)
        assert (s.files, s.duplicates, s.days, s.held) == (2, 1, 41, 0)
        first = snapshot(con)
    with warehouse.transaction() as con:
        load_activity(con, home / "entrees", "2025-03", NOW)
        assert snapshot(con) == first
    statuses = [(r[1], r[5], r[6]) for r in first["registry"] if r[2] == "activite"]
    # files are taken in name order: the copy's name sorts first, so the original is the repeat
    assert sorted(statuses) == [
        ("activite/2025-03/fh01 (copie).csv", "lu", None),
        ("activite/2025-03/fh01.csv", "doublon", "activite/2025-03/fh01 (copie).csv"),
    ]


def test_an_unreadable_extract_does_not_stop_the_others(home, warehouse):
    write_activity(home, "2025-03", "fh01.csv", march_fh01())
    write_activity(home, "2025-03", "ime01.csv", "code_etablissement,id_usager,date,code\nIME01,3,03/03/2025,P\n")
    with warehouse.transaction() as con:
        load_referential(con, home / "entrees", NOW)
        s = load_activity(con, home / "entrees", "2025-03", NOW)
        assert s.days == 41
        assert s.unreadable == {
            "activite/2025-03/ime01.csv": "activite/2025-03/ime01.csv : séparateur « virgule » "
            "détecté à la ligne 1 ; le séparateur attendu est le point-virgule « ; »"
        }
        assert snapshot(con)["quarantine"] == [
            (
                "activite",
                "2025-03",
                "activite/2025-03/ime01.csv",
                None,
                None,
                None,
                "activite/2025-03/ime01.csv : séparateur « virgule » détecté à la ligne 1 ; le séparateur attendu "
                "est le point-virgule « ; »",
                False,
            )
        ]


def test_a_duplicate_day_holds_the_establishment_until_the_extract_is_corrected(home, warehouse):
    path = write_activity(home, "2025-03", "fh01.csv", march_fh01() + "FH01;000001;2025-03-05;H\n")
    write_activity(home, "2025-03", "ime01.csv", IME)
    with warehouse.transaction() as con:
        load_referential(con, home / "entrees", NOW)
        s = load_activity(con, home / "entrees", "2025-03", NOW)
        assert (s.days, s.held) == (44, 42)
        assert con.execute(
            "SELECT establishment_code, bool_and(held), count(*) FROM activity_days GROUP BY 1 ORDER BY 1"
        ).fetchall() == [("FH01", True, 42), ("IME01", False, 2)]
    path.write_text(march_fh01())
    with warehouse.transaction() as con:
        s = load_activity(con, home / "entrees", "2025-03", NOW)
        assert (s.days, s.held) == (43, 0)
        assert (
            con.execute("SELECT count(*) FROM input_files WHERE path = 'activite/2025-03/fh01.csv'").fetchone()[0] == 2
        )  # both versions registered


def test_the_activity_hash_of_each_establishment_follows_its_days_through_a_reload(home, warehouse):
    path = write_activity(home, "2025-03", "fh01.csv", march_fh01() + "FH01;000001;2025-03-05;H\n")
    write_activity(home, "2025-03", "ime01.csv", IME)
    recomputed = (
        "SELECT month, establishment_code, hash(sum(hash(resident_id, day, code, held))) FROM activity_days "
        "GROUP BY ALL ORDER BY ALL"
    )
    with warehouse.transaction() as con:
        load_referential(con, home / "entrees", NOW)
        load_activity(con, home / "entrees", "2025-03", NOW)
        first = con.execute("SELECT * FROM activity_hashes ORDER BY ALL").fetchall()
        assert first == con.execute(recomputed).fetchall() and len(first) == 2
    path.write_text(march_fh01())  # the corrected extract: FH01's days change, IME01's do not
    with warehouse.transaction() as con:
        load_activity(con, home / "entrees", "2025-03", NOW)
        second = con.execute("SELECT * FROM activity_hashes ORDER BY ALL").fetchall()
        assert second == con.execute(recomputed).fetchall()
    assert [row[1] for row in second if row not in first] == ["FH01"]
