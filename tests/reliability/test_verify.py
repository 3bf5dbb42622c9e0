"""`recettes verify` on a closed demo home: what nothing in the warehouse can switch off (the lock flag, an unlock
cut off the chain)."""

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
        }.items()
    }
    assert count["écriture"] > 50
    lines = done.stdout.splitlines()
    assert lines[0].endswith("; 2 tête(s) de chaîne relue(s) dans sorties/")
    assert lines[1:5] == [f"  {label} : {n} scellé(s), {n} dans l'entrepôt" for label, n in count.items()]
    assert lines[5:] == ["intègre : chaque enregistrement suit le précédent et chaque élément scellé est inchangé"]


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
