"""Crash safety: a close killed (SIGKILL, the whole process group) at random moments, a full disk and a
read-only output folder; after each, running the month again ends in the state of an uninterrupted close.

More kill points by hand: `uv run python -m tests.reliability.harness --trials 30`.
"""

import os
import random
import shutil
import subprocess
import time

import duckdb
import pytest

from tests.reliability.harness import close, copy_home, differences, kill_after, leftovers, snapshot

TRIALS = int(os.environ.get("RECETTES_CRASH_TRIALS", "1"))
SEED = int(os.environ.get("RECETTES_CRASH_SEED", time.time_ns() % 1_000_000))


def numbers_are_continuous(home) -> list[str]:
    con = duckdb.connect(str(home / "entrepot.duckdb"), read_only=True)
    try:
        gaps = con.execute(
            "SELECT series, year, count(*), max(seq) FROM documents GROUP BY ALL HAVING count(*) <> max(seq)"
        ).fetchall()
        duplicates = con.execute(
            "SELECT 'allocation', seq FROM allocations GROUP BY seq HAVING count(*) > 1 "
            "UNION ALL SELECT 'entry', entry_num || '/' || line_no FROM entries GROUP BY ALL HAVING count(*) > 1"
        ).fetchall()
    finally:
        con.close()
    return [f"gap {g}" for g in gaps] + [f"duplicate {d}" for d in duplicates]


def verify(home) -> subprocess.CompletedProcess:
    from tests.reliability.harness import RECETTES, _env

    return subprocess.run([RECETTES, "verify"], env=_env(home), capture_output=True, text=True, timeout=300)


@pytest.mark.e2e
def test_a_close_killed_at_random_moments_ends_in_the_uninterrupted_state(base, reference, expected, tmp_path):
    rng = random.Random(SEED)
    seconds = float((reference / "duree.txt").read_text()) if (reference / "duree.txt").exists() else 20.0
    for trial in range(TRIALS):
        home = copy_home(base, tmp_path / f"essai{trial}")
        delay = rng.uniform(0.5, seconds)
        kill_after(home, delay)
        again = close(home)
        context = f"seed {SEED}, trial {trial}, killed after {delay:.1f} s"
        assert again.returncode == 0, (context, again.stdout + again.stderr)
        assert differences(expected, snapshot(home)) == [], context
        assert leftovers(home) == [], context
        assert numbers_are_continuous(home) == [], context
        checked = verify(home)
        assert checked.returncode == 0 and "intègre" in checked.stdout, (context, checked.stdout)
        shutil.rmtree(home)


def _mount(*args) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


@pytest.fixture
def mounted_outputs(base, tmp_path):
    """A copy of the home whose sorties/ is a small tmpfs holding the first month's outputs."""
    if os.geteuid() != 0 and not os.environ.get("CI"):
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    home = copy_home(base, tmp_path / "home")
    saved = tmp_path / "sorties_before"
    shutil.move(home / "sorties", saved)
    (home / "sorties").mkdir()
    used = sum(p.stat().st_size for p in saved.rglob("*") if p.is_file())
    _mount("-t", "tmpfs", "-o", f"size={used + 256 * 1024},mode=0700", "tmpfs", str(home / "sorties"))
    try:
        shutil.copytree(saved, home / "sorties", dirs_exist_ok=True)
        yield home
    finally:
        subprocess.run(["umount", "-l", str(home / "sorties")], capture_output=True)


def _release(home) -> None:
    """What the operator does once space is freed: the outputs moved back to an ordinary folder."""
    kept = home.parent / "sorties_kept"
    shutil.copytree(home / "sorties", kept)
    subprocess.run(["umount", str(home / "sorties")], check=True, capture_output=True)
    shutil.rmtree(home / "sorties")
    shutil.move(kept, home / "sorties")


def _half_written(home) -> list[str]:
    """The files of sorties/ that are not whole: a PDF pypdf cannot read to its end, a CSV with a short row
    or no final line break, an HTML page without its end, a zip that fails its own check."""
    import csv
    import io
    import zipfile

    from pypdf import PdfReader

    broken = []
    for path in (home / "sorties").rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        try:
            if path.suffix == ".pdf":
                assert data.rstrip().endswith(b"%%EOF") and len(PdfReader(io.BytesIO(data)).pages) >= 1
            elif path.suffix == ".csv":
                rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
                assert data.endswith(b"\n") and all(len(r) == len(rows[0]) for r in rows)
            elif path.suffix == ".html":
                assert data.rstrip().endswith(b"</html>")
            elif path.suffix == ".zip":
                assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
            else:
                assert data.endswith(b"\n")
        except Exception:  # any failure to read it whole
            broken.append(str(path.relative_to(home / "sorties")))
    return broken


@pytest.mark.e2e
def test_a_full_disk_then_a_read_only_folder_stop_the_close_and_the_next_close_completes(mounted_outputs, expected):
    home = mounted_outputs
    full = close(home)
    assert full.returncode == 2, full.stdout + full.stderr
    assert "écriture impossible (disque plein) ; le fichier précédent est conservé" in full.stdout
    assert leftovers(home) == []
    assert _half_written(home) == []
    _mount("-o", "remount,ro", str(home / "sorties"))
    refused = close(home)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "écriture impossible (système de fichiers en lecture seule)" in refused.stdout
    assert leftovers(home) == []
    _mount("-o", "remount,rw", str(home / "sorties"))
    _release(home)
    again = close(home)
    assert again.returncode == 0, again.stdout + again.stderr
    assert differences(expected, snapshot(home)) == []


@pytest.mark.e2e
def test_verify_finds_an_amount_changed_in_the_warehouse_of_a_closed_month(reference, tmp_path):
    home = copy_home(reference, tmp_path / "home")
    intact = verify(home)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "intègre : chaque enregistrement suit le précédent et chaque élément scellé est inchangé" in intact.stdout
    assert "2 tête(s) de chaîne relue(s) dans sorties/" in intact.stdout
    con = duckdb.connect(str(home / "entrepot.duckdb"))
    try:
        number = con.execute("SELECT min(number) FROM documents WHERE run_month = '2024-12'").fetchone()[0]
        con.execute("UPDATE documents SET amount = amount + 0.01 WHERE number = $n", {"n": number})
    finally:
        con.close()
    altered = verify(home)
    assert altered.returncode == 1
    assert altered.stdout.splitlines()[-2:] == [
        "ALTÉRATIONS : 1",
        f"  document {number} : modifié depuis son scellement",
    ]


@pytest.mark.slow  # reads the close the reliability harness runs through Dagster
def test_the_half_written_finder_sees_truncated_files(reference, tmp_path):
    home = tmp_path / "home"
    for name in (
        "2024-12/factures/registre.csv",
        "2024-12/rapports/direction.html",
        "2024-12/factures/F2025-000001.pdf",
    ):
        data = (reference / "sorties" / name).read_bytes()
        (home / "sorties" / name).parent.mkdir(parents=True, exist_ok=True)
        (home / "sorties" / name).write_bytes(data[: len(data) // 2])
    assert sorted(_half_written(home)) == [
        "2024-12/factures/F2025-000001.pdf",
        "2024-12/factures/registre.csv",
        "2024-12/rapports/direction.html",
    ]
    assert _half_written(reference) == []
