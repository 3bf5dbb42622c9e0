"""`recettes verify` on a closed demo home: what nothing in the warehouse can switch off (the lock flag, an unlock
cut off the chain), the files that left with the month, the bank lines, and retention."""

import argparse
import csv
import datetime as dt
import io
import shutil
import subprocess

import duckdb
import pytest

from tests.reliability.harness import MONTH, RECETTES, _env, copy_home
from tests.reliability.test_crash import verify


@pytest.fixture
def home(reference, tmp_path):
    return copy_home(reference, tmp_path / "home")


def sql(home, query: str, params: dict | None = None) -> list[tuple]:
    con = duckdb.connect(str(home / "entrepot.duckdb"))
    try:
        cursor = con.execute(query, params or {})
        return cursor.fetchall() if cursor.description else []
    finally:
        con.close()


def altered(home) -> list[str]:
    """The alterations verify names (exit 1)."""
    done = verify(home)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    return [line.strip() for line in lines[lines.index(next(x for x in lines if x.startswith("ALTÉRATIONS"))) + 1 :]]


@pytest.mark.e2e
def test_verify_prints_what_it_checked_against_what_the_chain_sealed(home):
    done = verify(home)
    assert done.returncode == 0, done.stdout + done.stderr
    count = {
        kind: sql(home, query)[0][0]
        for kind, query in {
            "document": "SELECT count(*) FROM documents",
            "affectation": "SELECT count(*) FROM allocations",
            "déverrouillage": "SELECT count(*) FROM accounting_unlocks",
            "écriture": "SELECT count(*) FROM entries e JOIN accounting_exports x ON x.month = e.export_month",
            "verrouillage": "SELECT count(*) FROM accounting_exports WHERE locked",
            "ligne bancaire": "SELECT count(*) FROM bank_lines",
            "PDF": "SELECT count(*) FROM document_files",
            "fichier": "SELECT (SELECT count(*) FROM accounting_exports) + (SELECT count(*) FROM output_files)",
        }.items()
    }
    assert count["écriture"] > 50 and count["PDF"] > 70 and count["fichier"] > 8 and count["ligne bancaire"] > 0
    lines = done.stdout.splitlines()
    assert lines[0].endswith("; 2 tête(s) de chaîne relue(s) dans sorties/")
    where = {label: "dans sorties/" if label in ("PDF", "fichier") else "dans l'entrepôt" for label in count}
    assert lines[1:9] == [f"  {label} : {n} scellé(s), {n} {where[label]}" for label, n in count.items()]
    assert lines[9:] == ["intègre : chaque enregistrement suit le précédent et chaque élément scellé est inchangé"]


@pytest.mark.e2e
def test_a_lock_turned_off_does_not_blind_verify(home):
    entries = sql(home, "SELECT count(*) FROM entries")[0][0]
    line = sql(home, "SELECT min(line_no) FROM entries WHERE export_month = $m AND debit > 0", {"m": MONTH})[0][0]
    sql(home, "UPDATE accounting_exports SET locked = false WHERE month = $m", {"m": MONTH})
    sql(
        home,
        "UPDATE entries SET debit = debit + 1000 WHERE export_month = $m AND line_no = $l",
        {"m": MONTH, "l": line},
    )
    done = verify(home)
    assert f"  écriture : {entries} scellé(s), {entries} dans l'entrepôt" in done.stdout.splitlines()
    assert altered(home) == [
        f"verrouillage {MONTH} : mois marqué déverrouillé sans déverrouillage scellé",
        f"écriture {MONTH}:{line} : modifié depuis son scellement",
    ]


@pytest.mark.e2e
def test_an_unlock_cut_off_the_chain_is_an_alteration(home):
    unlocked = subprocess.run(
        [RECETTES, "unlock", "--month", MONTH, "--motif", "compte erroné"], env=_env(home), capture_output=True
    )
    assert unlocked.returncode == 0, unlocked.stderr
    assert verify(home).returncode == 0
    sql(home, "DELETE FROM audit_chain WHERE kind = 'deverrouillage'")  # the chain's last record
    sql(home, "DELETE FROM accounting_unlocks")
    assert altered(home) == [f"verrouillage {MONTH} : mois marqué déverrouillé sans déverrouillage scellé"]


def _raise_amount(path, column: str) -> None:
    """The first row's `column` raised by 1 (a `;` CSV, decimal comma)."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8")), delimiter=";"))
    at = rows[0].index(column)
    rows[1][at] = str(int(rows[1][at].split(",")[0]) + 1) + "," + rows[1][at].split(",")[1]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _raise_debit(path) -> None:
    """The first debit of the entries file (FEC layout, `|`, ISO-8859-15) raised by 1,000."""
    lines = path.read_text(encoding="iso-8859-15").split("\n")
    for i, line in enumerate(lines[1:], start=1):
        fields = line.split("|")
        if len(fields) > 11 and fields[11] not in ("", "0,00"):
            fields[11] = str(int(fields[11].split(",")[0]) + 1000) + "," + fields[11].split(",")[1]
            lines[i] = "|".join(fields)
            break
    path.write_text("\n".join(lines), encoding="iso-8859-15")


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("path", "change", "message"),
    [
        ("factures/registre.csv", lambda p: _raise_amount(p, "montant"), "modifié depuis son scellement"),
        ("factures/lignes.csv", lambda p: _raise_amount(p, "montant"), "modifié depuis son scellement"),
        ("lettrage/rapprochements.csv", lambda p: _raise_amount(p, "montant_affecte"), "modifié depuis son scellement"),
        (f"comptabilite/ecritures_{MONTH}.txt", _raise_debit, "modifié depuis son scellement"),
        (
            "factures/F2025-000001.pdf",
            lambda p: p.write_bytes((p.parent / "F2025-000002.pdf").read_bytes()),
            f"remplacé par une copie de {MONTH}/factures/F2025-000002.pdf",
        ),
    ],
    ids=["registre", "lignes", "rapprochements", "ecritures", "pdf"],
)
def test_a_file_that_left_changed_in_sorties_is_named(home, path, change, message):
    change(home / "sorties" / MONTH / path)
    assert altered(home) == [f"{'PDF' if path.endswith('.pdf') else 'fichier'} {MONTH}/{path} : {message}"]


@pytest.mark.e2e
def test_a_bank_line_amount_changed_in_the_warehouse_is_named(home):
    line = sql(home, "SELECT min(line_id) FROM bank_lines")[0][0]
    sql(home, "UPDATE bank_lines SET amount = amount + 100 WHERE line_id = $l", {"l": line})
    assert altered(home) == [f"ligne bancaire {line} : modifié depuis son scellement"]


@pytest.mark.e2e
def test_a_month_removed_by_retention_is_reported_as_such(home, monkeypatch, capsys):
    """A close dated 2034-12-15 removes 2024-11 (ended ten years before); verify on that day counts its sealed
    files as removed by retention and passes; a file of 2024-12 removed by hand is still an alteration."""
    from assets.reporting.retention import purge_outputs
    from pipelines import cli

    class Day(dt.date):
        @classmethod
        def today(cls):
            return cls(2034, 12, 15)

    monkeypatch.setattr(cli, "dt", argparse.Namespace(date=Day))
    monkeypatch.setenv("RECETTES_HOME", str(home))
    assert purge_outputs(home / "sorties", Day.today(), 10) == ["2024-11"]
    files = sql(
        home,
        "SELECT count(DISTINCT item) FROM audit_chain WHERE kind IN ('pdf', 'fichier') AND item LIKE '2024-11/%'",
    )[0][0]
    assert cli.cmd_verify(argparse.Namespace(home=str(home))) == 0
    out = capsys.readouterr().out.splitlines()
    assert f"  supprimé(s) par la conservation (10 ans), dossier du mois retiré : 2024-11 ({files})" in out
    assert out[-1].startswith("intègre")
    (home / "sorties" / MONTH / "factures" / "registre.csv").unlink()
    assert cli.cmd_verify(argparse.Namespace(home=str(home))) == 1
    assert capsys.readouterr().out.splitlines()[-2:] == [
        "ALTÉRATIONS : 1",
        f"  fichier {MONTH}/factures/registre.csv : scellé mais absent de sorties/",
    ]
    shutil.rmtree(home / "sorties" / MONTH)  # not expired on that day: not retention
    assert cli.cmd_verify(argparse.Namespace(home=str(home))) == 1
