"""Inputs stay inside the data folder: a symbolic link, a FIFO, a device or a folder where an input is expected
is refused by name, unopened, like any unreadable file; an empty extract is said empty, not a copy."""

import os

import pytest

import assets.common.inputs as inputs
from assets.common.csvfile import UnreadableFile
from assets.common.inputs import list_inputs, read_input
from assets.ingest.loading import load_activity, load_referential
from tests.conftest import NOW, REFERENTIAL, march_fh01, write_activity
from tests.fuzz.hostile import time_limit

LINK = "lien symbolique, refusé, non lu (il peut mener hors du dossier de données) ; déposez le fichier lui-même"
IME = "code_etablissement;id_usager;date;code\nIME01;000003;2025-03-04;P\nIME01;000003;2025-03-05;P\n"


@pytest.fixture
def outside(tmp_path):
    """A folder beside the data folder, with a valid extract in it."""
    folder = tmp_path / "ailleurs"
    folder.mkdir()
    (folder / "ime01.csv").write_text(IME, encoding="utf-8")
    return folder


def loaded(warehouse, home):
    with warehouse.transaction() as con:
        load_referential(con, home / "entrees", NOW)
        summary = load_activity(con, home / "entrees", "2025-03", NOW)
        days = con.execute("SELECT source_path, count(*) FROM activity_days GROUP BY 1 ORDER BY 1").fetchall()
        files = con.execute("SELECT path, status, same_as, error FROM activity_files ORDER BY path").fetchall()
        quarantine = con.execute("SELECT path, line, column_name, reason FROM quarantine ORDER BY path").fetchall()
    return summary, days, files, quarantine


def test_a_link_to_an_extract_outside_the_data_folder_is_refused_by_name_and_not_read(home, warehouse, outside):
    write_activity(home, "2025-03", "fh01.csv", march_fh01())
    os.symlink(outside / "ime01.csv", home / "entrees" / "activite" / "2025-03" / "ime01.csv")
    summary, days, files, quarantine = loaded(warehouse, home)
    message = f"activite/2025-03/ime01.csv : {LINK}"
    assert summary.unreadable == {"activite/2025-03/ime01.csv": message}
    assert days == [("activite/2025-03/fh01.csv", 41)]  # no day of the linked file
    assert files == [
        ("activite/2025-03/fh01.csv", "lu", None, None),
        ("activite/2025-03/ime01.csv", "illisible", None, message),
    ]
    assert quarantine == [("activite/2025-03/ime01.csv", None, None, message)]


def test_a_link_inside_the_data_folder_is_refused_too(home, warehouse):
    write_activity(home, "2025-02", "fh01.csv", march_fh01())
    os.makedirs(home / "entrees" / "activite" / "2025-03")
    os.symlink("../2025-02/fh01.csv", home / "entrees" / "activite" / "2025-03" / "fh01.csv")
    summary, days, _, _ = loaded(warehouse, home)
    assert summary.unreadable == {"activite/2025-03/fh01.csv": f"activite/2025-03/fh01.csv : {LINK}"}
    assert days == []


def test_a_fifo_a_device_and_a_folder_are_refused_without_hanging(home, warehouse):
    folder = home / "entrees" / "activite" / "2025-03"
    write_activity(home, "2025-03", "fh01.csv", march_fh01())
    os.mkfifo(folder / "tube.csv")  # no writer: opening it to read would wait forever
    os.symlink("/dev/zero", folder / "zero.csv")  # endless
    os.symlink("/proc/self/environ", folder / "environ.csv")
    (folder / "dossier.csv").mkdir()
    with time_limit(10):
        summary, days, _, _ = loaded(warehouse, home)
    assert summary.unreadable == {
        "activite/2025-03/dossier.csv": "activite/2025-03/dossier.csv : dossier, pas un fichier ordinaire ; "
        "refusé, non lu",
        "activite/2025-03/environ.csv": f"activite/2025-03/environ.csv : {LINK}",
        "activite/2025-03/tube.csv": "activite/2025-03/tube.csv : tube nommé (FIFO), pas un fichier ordinaire ; "
        "refusé, non lu",
        "activite/2025-03/zero.csv": f"activite/2025-03/zero.csv : {LINK}",
    }
    assert (summary.files, days) == (5, [("activite/2025-03/fh01.csv", 41)])


def test_a_month_folder_that_is_a_link_is_refused_by_name(home, warehouse, outside):
    (home / "entrees" / "activite").mkdir(parents=True)
    os.symlink(outside, home / "entrees" / "activite" / "2025-03")
    summary, days, _, quarantine = loaded(warehouse, home)
    message = "activite/2025-03 : « 2025-03 » est un lien symbolique, pas un dossier ; refusé, non lu"
    assert (summary.unreadable, days) == ({"activite/2025-03": message}, [])
    assert quarantine == [("activite/2025-03", None, None, message)]


def test_empty_extracts_are_each_said_empty_not_a_copy_of_another(home, warehouse):
    write_activity(home, "2025-03", "fh01.csv", march_fh01())
    write_activity(home, "2025-03", "a.csv", b"")
    write_activity(home, "2025-03", "b.csv", b"  \r\n")
    write_activity(home, "2025-03", "c.csv", b"")
    summary, _, files, _ = loaded(warehouse, home)
    assert summary.duplicates == 0
    assert [
        (path, status, same_as, error) for path, status, same_as, error in files if path != "activite/2025-03/fh01.csv"
    ] == [
        ("activite/2025-03/a.csv", "illisible", None, "activite/2025-03/a.csv : fichier vide"),
        ("activite/2025-03/b.csv", "illisible", None, "activite/2025-03/b.csv : fichier vide"),
        ("activite/2025-03/c.csv", "illisible", None, "activite/2025-03/c.csv : fichier vide"),
    ]


def test_a_copy_of_an_unreadable_extract_is_unreadable_too_not_its_copy(home, warehouse):
    broken = b"code_etablissement,id_usager,date,code\nIME01,3,03/03/2025,P\n"
    write_activity(home, "2025-03", "a.csv", broken)
    write_activity(home, "2025-03", "b.csv", broken)
    summary, _, files, _ = loaded(warehouse, home)
    assert sorted(summary.unreadable) == ["activite/2025-03/a.csv", "activite/2025-03/b.csv"]
    assert [(path, status, same_as) for path, status, same_as, _ in files] == [
        ("activite/2025-03/a.csv", "illisible", None),
        ("activite/2025-03/b.csv", "illisible", None),
    ]


def test_a_referential_file_that_is_a_link_keeps_the_previous_referential(home, warehouse, tmp_path):
    with warehouse.transaction() as con:
        assert load_referential(con, home / "entrees", NOW).changed
    target = tmp_path / "usagers_ailleurs.csv"
    target.write_text(REFERENTIAL["usagers.csv"] + "000004;PIRATE;Paul\n", encoding="utf-8")
    (home / "entrees" / "referentiel" / "usagers.csv").unlink()
    os.symlink(target, home / "entrees" / "referentiel" / "usagers.csv")
    with warehouse.transaction() as con:
        summary = load_referential(con, home / "entrees", NOW)
        residents = con.execute("SELECT count(*) FROM residents").fetchone()[0]
        state = con.execute("SELECT status, error FROM referential_files WHERE file = 'usagers.csv'").fetchall()
    assert not summary.changed and residents == 3
    assert state == [("illisible", f"referentiel/usagers.csv : {LINK}")]


def test_a_link_is_never_opened(home, monkeypatch, outside):
    """The refusal comes from the link itself (lstat), before any open: not even O_NOFOLLOW's own refusal."""
    folder = home / "entrees" / "banque"
    folder.mkdir(parents=True)
    os.symlink(outside / "ime01.csv", folder / "lien.xml")
    os.mkfifo(folder / "tube.xml")
    opened = []
    real_open = os.open
    monkeypatch.setattr(inputs.os, "open", lambda path, *a, **k: opened.append(str(path)) or real_open(path, *a, **k))
    for entry in list_inputs(home / "entrees", "banque", {".xml"}):
        with pytest.raises(UnreadableFile):
            entry.read()
    assert "lien.xml" not in opened and "tube.xml" not in opened
    assert [entry.path for entry in list_inputs(home / "entrees", "banque", {".xml"})] == [
        "banque/lien.xml",
        "banque/tube.xml",
    ]


def test_an_entrees_folder_that_is_a_link_is_not_followed(tmp_path, outside):
    home = tmp_path / "home"
    home.mkdir()
    (outside / "banque").mkdir()
    (outside / "banque" / "r.xml").write_bytes(b"<Document/>")
    os.symlink(outside, home / "entrees")
    with pytest.raises(UnreadableFile) as err:
        read_input(home / "entrees", "banque/r.xml")
    assert str(err.value) == "banque/r.xml : « entrees » est un lien symbolique, pas un dossier ; refusé, non lu"
    (listed,) = list_inputs(home / "entrees", "banque", {".xml"})
    with pytest.raises(UnreadableFile, match="« entrees » est un lien symbolique"):
        listed.read()
