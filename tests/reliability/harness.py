"""Crash and concurrency harness: a demo home with its first month closed and the second month's inputs in
place, `recettes run` started in a subprocess and killed (SIGKILL, whole process group) at chosen moments,
and a snapshot of everything a close leaves behind, to compare with an uninterrupted close.

    uv run python -m tests.reliability.harness --trials 30 [--seed 1]    (by hand: many kill points)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

RECETTES = str(Path(sys.executable).parent / "recettes")
FIRST, MONTH, NEXT = "2024-11", "2024-12", "2025-01"
# what closes issue and send: the ledgers of the warehouse (the books of `books`)
BOOK_TABLES = ("documents", "document_lines", "document_corrections", "allocations", "letters", "entries")

# columns written with the wall clock: everything else a close records must be the same after a crash
CLOCK_COLUMNS = {"recorded_at", "issued_at", "read_at", "loaded_at", "rendered_at", "exported_at", "applied_at"}
CLOCK_TYPES = ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE")
# tables whose rows describe the runs themselves (how many, when), not the month's books
RUN_TABLES = {"schema_version", "validations"}  # each close validates (`recettes run`): one row per run
# a rendered PDF carries the time of its rendering in its metadata (Factur-X), hence its hash; whether a
# file was read by this run or found already read is what the run did, not what the books hold
RUN_COLUMNS = {
    "document_files": {"sha256"},
    "bank_files": {"status", "rows_read", "rows_rejected"},  # lu (and its counts) or deja_lu
    "referential_files": {"status"},  # charge or inchange
    "activity_files": {"stamp"},  # the file's times, as a copy of the home has them: when to hash it again
}


KEEP = ("FV01", "IME01")  # two establishments of the demo (a département and the CPAM pay): a close in seconds


def trim(data, keep=KEEP):
    """The demo association cut down to the establishments `keep` and their residents."""
    import dataclasses

    from demo.generator import REFERENTIAL_HEADERS

    def rows(name):
        return data.referential[name]

    stays = [d for d in rows("sejours.csv") if d.row[1] in keep]
    residents = {d.row[0] for d in stays}
    referential = {}
    for name, header in REFERENTIAL_HEADERS.items():
        kept = rows(name)
        if "code_etablissement" in header:
            kept = [d for d in kept if d.row[header.index("code_etablissement")] in keep]
        if "id_usager" in header:
            kept = [d for d in kept if d.row[header.index("id_usager")] in residents]
        if name == "mandats.csv":  # a resident's mandate, under its payer code
            kept = [d for d in kept if d.row[0][1:] in residents]
        referential[name] = kept
    activity = {
        m: {n: b for n, b in files.items() if any(f"_{c}_" in n for c in keep)} for m, files in data.activity.items()
    }
    return dataclasses.replace(data, referential=referential, activity=activity, corrections={})


def prepare_base(root: Path, seed: int = 66) -> Path:
    """A demo home (trimmed): FIRST closed in process, the inputs of MONTH written as the demo writes them."""
    import dagster as dg

    from demo.generator import close_date, generate
    from demo.run import STATE, Demo, play
    from pipelines.close import close_month

    data = trim(generate("demo", seed))
    home = root / "base"
    demo = Demo.create(home, data, seed, first=FIRST, calls=False)
    with dg.DagsterInstance.ephemeral() as instance:
        for _, result in play(demo, [FIRST], lambda m: close_month(home, m, close_date(m), instance=instance)):
            assert result.exit_code == 0, (result.errors, result.failed_controls)
        demo.before_close(MONTH)
    shutil.rmtree(home / "dagster", ignore_errors=True)  # each copy starts its own run history
    # not a demo home: under a daemon, the sensor demo_after_close would play the whole demo's payments and next
    # inputs into it between two closes (this home is trimmed, and its tests drop their own inputs)
    (home / STATE).unlink()
    return home


def copy_home(base: Path, target: Path) -> Path:
    shutil.copytree(base, target, symlinks=True)
    return target


def _env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env["RECETTES_HOME"] = str(home)
    return env


def close_args(month: str = MONTH, on: dt.date | None = None) -> list[str]:
    """`recettes run` of `month`, its documents dated `on` (default: the demo's day of closing it)."""
    from demo.generator import close_date

    return [RECETTES, "run", "--month", month, "--date-emission", (on or close_date(month)).isoformat()]


def close(
    home: Path, month: str = MONTH, timeout: float = 600, on: dt.date | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(close_args(month, on), env=_env(home), capture_output=True, text=True, timeout=timeout)


def start(home: Path, month: str = MONTH, on: dt.date | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        close_args(month, on),
        env=_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the rendering workers die with it
    )


def kill_after(home: Path, delay: float, month: str = MONTH) -> int | None:
    """Start a close and SIGKILL its whole process group after `delay` seconds; None if it ended first."""
    proc = start(home, month)
    try:
        proc.wait(timeout=delay)
        return proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return None
    finally:
        proc.communicate()


def snapshot(home: Path) -> dict:
    """Every table of the warehouse without its clock columns, sorted, and every output file's bytes
    (the HTML reports and logs that print a time or a duration are compared without those lines)."""
    state: dict = {}
    con = duckdb.connect(str(home / "entrepot.duckdb"), read_only=True)
    try:
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        for table in tables:
            if table in RUN_TABLES:
                continue
            columns = [
                name
                for name, kind in con.execute(
                    "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = $t ORDER BY column_index",
                    {"t": table},
                ).fetchall()
                if name not in CLOCK_COLUMNS and kind not in CLOCK_TYPES and name not in RUN_COLUMNS.get(table, ())
            ]
            cols = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f'SELECT {cols} FROM "{table}" ORDER BY ALL').fetchall()  # noqa: S608
            state[f"table:{table}"] = _chain_records(rows) if table == "audit_chain" else rows
    finally:
        con.close()
    sorties = home / "sorties"
    for path in sorted(sorties.rglob("*")):
        if path.is_file():
            state[f"file:{path.relative_to(sorties)}"] = _comparable(path)
    return state


def _chain_records(rows: list[tuple]) -> list[tuple]:
    """What the audit chain sealed: each record's kind, item and content hash, a PDF's hash left out, in a fixed
    order. A PDF carries the time of its rendering (RUN_COLUMNS) and the chain seals its bytes, so its hash and,
    through it, the links of every record after it differ from one close to the next; and each step seals what it
    writes, so a close stopped by a full disk, whose other steps went on, has its files sealed in another order
    by the close that completes it. When it was sealed is history, as the clock columns are; what was sealed is
    the books. `recettes verify` checks each chain's numbers and links."""
    return sorted((kind, item, "-" if kind == "pdf" else content) for _, kind, item, content, *_ in rows)


def _comparable(path: Path):
    data = path.read_bytes()
    if path.name == "chaine_audit.txt":  # the chain's head: its number (its hash follows the PDFs' hashes)
        return [line.split(";")[0] for line in data.decode("utf-8").splitlines()]
    if path.suffix == ".pdf":  # the same document: its pages' text and its Factur-X XML (dates of the
        return _pdf_content(data)  # PDF's metadata are the time of rendering)
    if path.suffix == ".zip":
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return [(name, _pdf_content(z.read(name))) for name in z.namelist()]
    if path.name == "alertes.log":  # one block per run (a run killed after alerting, then its re-run, alert twice;
        # a run stopped by a full disk alerts its failed steps): what the last run, which completed, alerted
        last = data.decode("utf-8").split("\n== ")[-1].splitlines()[1:]
        return sorted({line for line in last if line})
    if path.name == "etablissements.csv":  # the checklist says when each extract was read and validated
        return _without_columns(data, ("recu_le", "valide_le"))
    if path.suffix in (".html", ".log"):
        text = data.decode("utf-8")
        return [line for line in text.splitlines() if not _clocked(line)]
    return data


def _without_columns(data: bytes, clocks: tuple[str, ...]) -> list[list[str]]:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    keep = [i for i, name in enumerate(rows[0]) if name not in clocks]
    return [[row[i] for i in keep] for row in rows]


def _pdf_content(data: bytes) -> tuple:
    import io

    from facturx import get_xml_from_pdf
    from pypdf import PdfReader

    pages = tuple(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    _, xml = get_xml_from_pdf(data, check_xsd=False)
    return pages, xml


def _clocked(line: str) -> bool:
    import re

    return bool(re.search(r"\d{2}:\d{2}(:\d{2})?|\d+[.,]\d+\s?s\b|run [0-9a-f]{8}|[0-9a-f]{8}-[0-9a-f]{4}-", line))


def books(state: dict) -> dict:
    """What the closes of MONTH and NEXT issued and sent: the ledgers of the warehouse and every file of the two
    months but the alerts and HTML reports (they print the runs' times)."""
    return {
        key: value
        for key, value in state.items()
        if key in {f"table:{t}" for t in BOOK_TABLES}
        or (key.startswith((f"file:{MONTH}/", f"file:{NEXT}/")) and not key.endswith(("alertes.log", ".html")))
    }


def differences(expected: dict, got: dict) -> list[str]:
    out = []
    for key in sorted(set(expected) | set(got)):
        if key not in got:
            out.append(f"missing {key}")
        elif key not in expected:
            out.append(f"extra {key}")
        elif expected[key] != got[key]:
            out.append(f"differs {key}")
    return out


def leftovers(home: Path) -> list[str]:
    """Temporary files of interrupted writes left where a reader would see them."""
    return sorted(str(p.relative_to(home)) for p in (home / "sorties").rglob("*.tmp"))


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--trials", type=int, default=30)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--root", default="/tmp/recettes-crash")
    a = p.parse_args()
    root = Path(a.root)
    base = root / "base"
    if not (base / "entrepot.duckdb").exists():  # the prepared home is kept between runs of the harness
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        prepare_base(root)
    for old in root.iterdir():
        if old != base:
            shutil.rmtree(old)
    reference = copy_home(base, root / "reference")
    started = time.monotonic()
    done = close(reference)
    duration = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr
    expected = snapshot(reference)
    print(f"uninterrupted close: {duration:.1f} s, {len(expected)} tables and files", flush=True)
    rng = random.Random(a.seed)
    failures = 0
    for trial in range(a.trials):
        home = copy_home(base, root / f"trial{trial}")
        delay = rng.uniform(0.5, duration)
        ended = kill_after(home, delay)
        again = close(home)
        diff = differences(expected, snapshot(home)) + [f"temporary file {t}" for t in leftovers(home)]
        status = "ok" if again.returncode == 0 and not diff else "FAILED"
        failures += status != "ok"
        print(
            f"trial {trial}: killed at {delay:.1f} s{' (had ended)' if ended is not None else ''}, re-run exit "
            f"{again.returncode}: {status} {diff[:5]}",
            flush=True,
        )
        if status == "ok":
            shutil.rmtree(home)
    print(f"{a.trials - failures}/{a.trials} trials ended in the uninterrupted state")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
