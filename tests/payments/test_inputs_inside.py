"""Bank statements, manual receipts and matching decisions are read from the data folder only: a symbolic
link (outside or inside), a FIFO, a device or a folder named like a statement is refused by name, unopened,
like any unreadable file; an empty statement is said empty, not a copy of another."""

import os
from decimal import Decimal

import pytest

from assets.payments.loading import load_bank_inputs, load_decisions
from tests.conftest import NOW
from tests.fuzz.hostile import time_limit
from tests.fuzz.test_regressions import camt

LINK = "lien symbolique, refusé, non lu (il peut mener hors du dossier de données) ; déposez le fichier lui-même"
NOT_A_FILE = "pas un fichier ordinaire ; refusé, non lu"


@pytest.fixture
def banque(home):
    folder = home / "entrees" / "banque"
    folder.mkdir(parents=True)
    return folder


def loaded(warehouse, home):
    with warehouse.transaction() as con:
        summary = load_bank_inputs(con, home / "entrees", "2025-03", NOW)
        lines = con.execute("SELECT path, amount FROM bank_lines ORDER BY ALL").fetchall()
        files = con.execute("SELECT path, status, same_as, error FROM bank_files ORDER BY path").fetchall()
        quarantine = con.execute("SELECT path, line, reason FROM quarantine ORDER BY path").fetchall()
    return summary, lines, files, quarantine


def test_a_link_to_a_statement_outside_is_refused_and_the_real_one_then_read(home, warehouse, banque, tmp_path):
    statement = tmp_path / "ailleurs" / "releve.xml"
    statement.parent.mkdir()
    statement.write_bytes(camt("136.00"))
    os.symlink(statement, banque / "x.xml")
    summary, lines, files, quarantine = loaded(warehouse, home)
    assert summary.unreadable == {"banque/x.xml": f"banque/x.xml : {LINK}"}
    assert (summary.lines_read, lines) == (0, [])  # nothing booked from outside
    assert files == [("banque/x.xml", "illisible", None, f"banque/x.xml : {LINK}")]
    assert quarantine == [("banque/x.xml", None, f"banque/x.xml : {LINK}")]
    # the real statement, dropped next month, is read as itself, not called the copy of the link
    (banque / "releve.xml").write_bytes(camt("136.00"))
    summary, lines, files, _ = loaded(warehouse, home)
    assert lines == [("banque/releve.xml", Decimal("136.00"))]
    assert ("banque/releve.xml", "lu", None, None) in files


def test_links_to_system_files_fifos_devices_and_folders_are_refused_without_hanging(home, warehouse, banque):
    os.symlink("/etc/passwd", banque / "passwd.txt")
    os.symlink("/proc/self/environ", banque / "environ.cfo")
    os.symlink("/dev/zero", banque / "zero.txt")
    os.symlink(banque, banque / "boucle.xml")  # a link to a folder
    os.mkfifo(banque / "tube.xml")  # no writer: opening it to read would wait forever
    (banque / "dossier.cfonb").mkdir()
    (home / "entrees" / "encaissements").mkdir()
    os.mkfifo(home / "entrees" / "encaissements" / "saisie.csv")
    with time_limit(10):
        summary, lines, files, _ = loaded(warehouse, home)
    assert summary.unreadable == {
        "banque/boucle.xml": f"banque/boucle.xml : {LINK}",
        "banque/dossier.cfonb": f"banque/dossier.cfonb : dossier, {NOT_A_FILE}",
        "banque/environ.cfo": f"banque/environ.cfo : {LINK}",
        "banque/passwd.txt": f"banque/passwd.txt : {LINK}",
        "banque/tube.xml": f"banque/tube.xml : tube nommé (FIFO), {NOT_A_FILE}",
        "banque/zero.txt": f"banque/zero.txt : {LINK}",
        "encaissements/saisie.csv": f"encaissements/saisie.csv : tube nommé (FIFO), {NOT_A_FILE}",
    }
    assert lines == [] and {status for _, status, _, _ in files} == {"illisible"}


def test_empty_statements_are_said_empty_not_a_copy_of_one_another(home, warehouse, banque):
    (banque / "a.xml").write_bytes(b"")
    (banque / "b.txt").write_bytes(b"")
    (banque / "c.cfo").write_bytes(b"\n")
    summary, _, files, _ = loaded(warehouse, home)
    assert summary.duplicates == 0
    assert files == [
        ("banque/a.xml", "illisible", None, "banque/a.xml : fichier vide"),
        ("banque/b.txt", "illisible", None, "banque/b.txt : fichier vide"),
        ("banque/c.cfo", "illisible", None, "banque/c.cfo : fichier vide"),
    ]


def test_a_copy_of_an_unreadable_statement_is_unreadable_too(home, warehouse, banque):
    (banque / "a.xml").write_bytes(b"pas du xml")
    (banque / "b.xml").write_bytes(b"pas du xml")
    summary, _, files, _ = loaded(warehouse, home)
    assert sorted(summary.unreadable) == ["banque/a.xml", "banque/b.xml"]
    assert [(path, status, same_as) for path, status, same_as, _ in files] == [
        ("banque/a.xml", "illisible", None),
        ("banque/b.xml", "illisible", None),
    ]


def test_a_decisions_file_that_is_a_link_keeps_the_decisions_last_read(home, warehouse, tmp_path):
    relances = home / "entrees" / "relances"
    relances.mkdir(parents=True)
    (relances / "lettrage_manuel.csv").write_text("id_ligne_bancaire;numero_facture;montant\nL1;;\n")
    with warehouse.transaction() as con:
        decisions, bad = load_decisions(con, home / "entrees", "2025-03", NOW)
    assert ([d.line_id for d in decisions], bad) == (["L1"], 0)
    elsewhere = tmp_path / "decisions.csv"
    elsewhere.write_text("id_ligne_bancaire;numero_facture;montant\nL2;F2025-000001;10,00\n")
    (relances / "lettrage_manuel.csv").unlink()
    os.symlink(elsewhere, relances / "lettrage_manuel.csv")
    with warehouse.transaction() as con:
        decisions, bad = load_decisions(con, home / "entrees", "2025-03", NOW)
        quarantine = con.execute("SELECT path, reason FROM quarantine WHERE scope = 'lettrage'").fetchall()
    assert ([d.line_id for d in decisions], bad) == (["L1"], 1)
    message = f"relances/lettrage_manuel.csv : {LINK}"
    assert quarantine == [("relances/lettrage_manuel.csv", message)]


def test_a_file_name_with_a_line_break_is_escaped_in_its_message(home, warehouse, banque):
    """The message reaches the controls (controles.csv), the close summary and the alerts: one line."""
    name = "evil\nAVERTISSEMENT tout va bien;ok.xml"
    (banque / name).write_bytes(b"pas du xml")
    summary, _, files, quarantine = loaded(warehouse, home)
    message = (
        "banque/evil\\nAVERTISSEMENT tout va bien;ok.xml, ligne 1 : XML illisible (Start tag expected, '<' not "
        "found, line 1, column 1)"
    )
    assert summary.unreadable == {f"banque/{name}": message}  # the file's own name, its message on one line
    assert files == [(f"banque/{name}", "illisible", None, message)]
    assert quarantine == [(f"banque/{name}", None, message)]
