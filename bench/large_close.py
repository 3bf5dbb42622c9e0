"""Benchmark of the whole month close (not a test; prints figures, appends them to bench/results/large_close.csv).

    uv run python -m bench.large_close                                  # large, 24 months, measures 2 and 24
    uv run python -m bench.large_close --scale demo --months 3          # a quick run
    uv run python -m bench.large_close --months 6 --measure 2,6 --sample 200
    uv run python -m bench.large_close --months 12 --measure none --floors 2,12
    uv run python -m bench.large_close --measure none --floors 2,24 --keep-before 24
    uv run python -m bench.large_close --reclose /tmp/large-close/large-default-s66-before-24   # month 24 again
    uv run python -m bench.large_close --growth [--sizes 1000,3000,12000,30000] [--months 2] [--no-rendering]
    uv run python -m bench.large_close --verify-history --scale demo --months 4

Run it under `nice -n 10` on a shared machine. For every month, as `recettes demo` does: the referential as
known on the close date, the month's activity, what the bank saw (camt.053, CFONB 120, cash receipts), the
general ledger exported by accounting up to the month before; then the close, then the payments and the
phone calls that follow it.

- History months are closed without the documents: every asset and check of the close job except
  `invoice_documents`, `dunning_letters` and what depends on them (the check `facturx_valide`), selected
  with Dagster's own asset selection, in a subprocess (`--close-without-rendering`); `--verify-history`
  checks that this leaves the warehouse as a normal close does, apart from the rendered files and that
  check's row.
- Measured months (`--measure`, default the 2nd and the last) are closed by `recettes run --month M
  --date-emission D` in a subprocess: wall, CPU (user + sys of the child and its rendering workers) and
  peak memory of the process, and per Dagster step (asset or check, from the run's event log) the CPU and
  peak RSS read from /proc every 50 ms, with a row count read back from the warehouse.
- Floors, for each measured month: (a) DuckDB alone reading the month's raw input files into tables of a
  fresh database file, in a fresh process; (b) WeasyPrint alone rendering a fixed sample of the month's
  documents from the HTML our templates produce, with the pipeline's parallelism, and our renderer on the
  same sample; (c) the named stack alone, in a fresh process: Dagster running a job of the close's steps
  that do nothing, then Great Expectations' import and context (`--reclose` prints (a) and (c) too).
- `--growth` closes the same number of months for associations of several sizes (establishments scaled
  from the `large` plan) and prints the close time against the number of residents.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "large_close.csv"
MARKER = ".large_close_bench"
HISTORY_JOB = "cloture_sans_pdf"
RENDERING_STEPS = ("invoice_documents", "invoice_documents_facturx_valide", "dunning_letters")
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
COLLECTOR = "garbage collector in the close:"  # the line close_without_rendering prints for print_close
TARGET_FLOOR_RATIO = 3.0  # the close without rendering, against the DuckDB floor
TARGET_CLOSE_S = 60.0
TARGET_RENDER_RATIO = 1.5  # rendering, per document, against the WeasyPrint floor
TARGET_PEAK_MB = 4096.0

# Dagster step -> (stage, unit of its row count)
STEPS = {
    "referential": ("ingest", "referential rows"),
    "referential_controls": ("ingest", "referential rows"),
    "activity_days": ("ingest", "activity days"),
    "activity_controls": ("ingest", "activity days"),
    "valued_days": ("billing", "days valued"),
    "valuation_controls": ("billing", "days valued"),
    "issued_documents": ("billing", "documents issued"),
    "document_controls": ("billing", "documents issued"),
    "billing_files": ("billing", "document lines"),
    "invoice_documents": ("documents", "documents rendered"),
    "invoice_documents_facturx_valide": ("documents", "documents rendered"),
    "bank_lines": ("payments", "bank lines read"),
    "bank_controls": ("payments", "bank lines read"),
    "allocations": ("payments", "bank lines to date"),
    "matching_controls": ("payments", "bank lines to date"),
    "matching_files": ("payments", "bank lines to date"),
    "accounting_entries": ("accounting", "entry lines"),
    "entry_controls": ("accounting", "entry lines"),
    "entry_file": ("accounting", "entry lines"),
    "entry_file_fec_conforme": ("accounting", "entry lines"),
    "ledger_reciprocity": ("accounting", "ledger lines"),
    "ledger_reciprocity_reciprocite_comptable": ("accounting", "ledger lines"),
    "aged_balance": ("receivables", "invoices to date"),
    "aged_balance_dossiers_en_instruction_anciens": ("receivables", "invoices to date"),
    "reminders": ("receivables", "invoices to date"),
    "reminders_appels_lignes_rejetees": ("receivables", "invoices to date"),
    "dunning_letters": ("documents", "letters rendered"),
    "director_report": ("reporting", "invoices to date"),
}


# --- the association ---------------------------------------------------------------------------------


def sized_data(scale: str, residents: int | None, seed: int):
    """The demo generator's data; with `residents`, the `large` plan with its establishment counts scaled."""
    from demo import generator
    from demo.establishments import KINDS
    from demo.identities import luhn_number, random_address, rng_town
    from demo.records import Dated, DemoData

    if residents is None:
        return generator.generate(scale, seed)
    large_residents = 11961  # generate("large", 66): 200 establishments
    factor = residents / large_residents
    if abs(factor - 1) < 0.02:
        return generator.generate("large", seed)

    class Sized(generator._Builder):
        def build_establishments(self) -> None:
            # the `large` plan of demo/establishments.py, counts scaled (capacities kept)
            plan = [("FH", 34, 56), ("FV", 34, 57), ("FAM", 30, 50), ("MAS", 30, 57), ("IME", 36, 64), ("ESAT", 36, 54)]
            for kind, count, capacity in plan:
                for i in range(1, max(1, round(count * factor)) + 1):
                    name = f"{KINDS[kind].name} {rng_town(self.rng)} {i}"
                    self.establishments.append((f"{kind}{i:02d}", kind, name, capacity))
            for code, kind, name, capacity in self.establishments:
                billing = "dotation" if kind == "ESAT" else "prix_journee"
                row = (
                    code,
                    name,
                    kind,
                    luhn_number(self.rng, "66", 9),
                    luhn_number(self.rng, "7", 14),
                    capacity,
                    random_address(self.rng),
                    billing,
                )
                self.ref["etablissements.csv"].append(Dated(row))

    b = Sized("large", seed)
    yaml_text = generator.settings_yaml(b.rng)
    b.build_establishments()
    b.build_payers()
    b.build_population()
    b.build_rates()
    activity = b.build_activity()
    return DemoData("large", seed, b.months, yaml_text, b.ref, activity, {}, b.story)


def timed_demo():
    """demo.run.Demo, the time its inputs took to write kept in `prepared` (imported late: --snapshot)."""
    from demo.run import Demo

    class TimedDemo(Demo):
        prepared = 0.0

        def before_close(self, month: str) -> None:
            t = time.perf_counter()
            super().before_close(month)
            self.prepared = time.perf_counter() - t

    return TimedDemo


def blocked_then_corrected(month: str) -> None:
    print(f"  {month}: blocked, as the demo intends; closed again with the corrected extract")


def fresh_home(home: Path) -> None:
    """Start from an empty data folder (only one this benchmark created, or an empty one, is wiped)."""
    if home.exists() and any(home.iterdir()):
        if not (home / MARKER).exists():
            raise SystemExit(f"{home} exists and was not created by this benchmark; choose another --home")
        shutil.rmtree(home)
    home.mkdir(parents=True)
    (home / MARKER).write_text("bench/large_close.py\n")


CODE = ROOT  # --snapshot: the closes run from a copy of the code taken when the benchmark starts
SNAPSHOT_PARTS = (
    "assets",
    "checks",
    "demo",
    "pipelines",
    "reports",
    "sql",
    "bench",
    "workspace.yaml",
    "pyproject.toml",
)


def snapshot_code(target: Path) -> Path:
    """Copy the code a close runs into `target`, so that edits made to the repository during a long run do not
    change what is measured halfway (the closes then run `python -m pipelines.cli run` from the copy)."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "results", "*.pyc")
    for part in SNAPSHOT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, target / part)
    return target


def child_env(home: Path) -> dict:
    env = {**os.environ, "RECETTES_HOME": str(home)}
    env.pop("DAGSTER_HOME", None)  # the instance under RECETTES_HOME/dagster, as `recettes` prepares it
    return env


# --- measuring a process and its children ------------------------------------------------------------


def _proc_tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            continue
    return pids


def _stat(pid: int) -> tuple[int, int, int]:
    """(own CPU ticks, reaped children's CPU ticks, RSS bytes) of a process; zeros when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/statm") as f:
            rss = int(f.read().split()[1]) * PAGE
    except (OSError, IndexError):
        return 0, 0, 0
    # fields[0] is the state (field 3): utime, stime, cutime, cstime are fields 14-17
    return int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14]), rss


@dataclass
class Sample:
    t: float  # time.time()
    cpu: float  # seconds, the process and its children (live and reaped)
    rss: int  # bytes, the process and its live children
    main_rss: int


@dataclass
class Measured:
    wall: float
    cpu: float  # user + sys of the child and every descendant it waited for (wait4)
    maxrss_mb: float  # the main process's largest sampled RSS (wait4's ru_maxrss counts the harness's pages
    # the child shared between fork and exec, about the size of the generated data)
    peak_mb: float  # the largest sampled sum over the process tree
    code: int
    output: str
    started: float
    ended: float
    samples: list[Sample] = field(default_factory=list)
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after

    @property
    def exit_code(self) -> int:  # what demo.run.play reads of a close's result
        return self.code


def measure(args: list[str], env: dict, interval: float = 0.05, stall: float = 180.0) -> Measured:
    """Run `args`, sampling the process tree's CPU and RSS every `interval` seconds; a process tree that uses
    no CPU for `stall` seconds is deadlocked: it is killed and its exit code is -9."""
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryFile() as out:
        started = time.time()
        t0 = time.perf_counter()
        proc = subprocess.Popen(args, env=env, cwd=CODE, stdout=out, stderr=subprocess.STDOUT)
        samples: list[Sample] = []
        done = threading.Event()

        def sampler() -> None:
            last_cpu, busy_at = 0.0, time.time()
            while not done.is_set():
                tree = _proc_tree(proc.pid)
                stats = [_stat(p) for p in tree]
                own = sum(s[0] for s in stats)
                reaped = stats[0][1]  # the main process's waited-for children (recycled rendering workers)
                cpu = max(last_cpu, (own + reaped) / TICKS)
                if cpu - last_cpu > 0.02:
                    busy_at = time.time()
                elif time.time() - busy_at > stall:
                    print(f"  no CPU used for {stall:.0f} s: deadlocked, killed (process {proc.pid})", flush=True)
                    for pid in reversed(tree):
                        try:
                            os.kill(pid, 9)
                        except OSError:
                            pass
                    busy_at = time.time()
                last_cpu = cpu
                if stats[0][2]:
                    samples.append(Sample(time.time(), cpu, sum(s[2] for s in stats), stats[0][2]))
                done.wait(interval)

        thread = threading.Thread(target=sampler, daemon=True)
        thread.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        ended = time.time()
        done.set()
        thread.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode("utf-8", errors="replace")
    peak = max((s.rss for s in samples), default=0) / 2**20
    return Measured(
        wall,
        usage.ru_utime + usage.ru_stime,
        max((s.main_rss for s in samples), default=0) / 2**20,
        peak,
        proc.returncode,
        output,
        started,
        ended,
        samples,
        (load_before, os.getloadavg()[0]),
    )


def _cpu_at(samples: list[Sample], t: float) -> float:
    """The cumulative CPU at time t, interpolated between samples."""
    if not samples or t <= samples[0].t:
        return samples[0].cpu if samples else 0.0
    for a, b in zip(samples, samples[1:], strict=False):
        if a.t <= t <= b.t:
            return a.cpu + (b.cpu - a.cpu) * (t - a.t) / (b.t - a.t) if b.t > a.t else b.cpu
    return samples[-1].cpu


def _peak_between(samples: list[Sample], start: float, end: float) -> float:
    inside = [s.rss for s in samples if start <= s.t <= end]
    if not inside:  # a step shorter than the interval: the nearest sample
        nearest = min(samples, key=lambda s: abs(s.t - (start + end) / 2), default=None)
        inside = [nearest.rss] if nearest else [0]
    return max(inside) / 2**20


# --- what the run did: its steps (Dagster event log) and row counts (warehouse) -------------------


@dataclass
class Step:
    key: str
    stage: str
    wall: float
    cpu: float
    peak_mb: float
    rows: int | None
    unit: str
    status: str

    @property
    def rate(self) -> float | None:
        return self.rows / self.wall if self.rows is not None and self.wall > 0 else None


def run_steps(home: Path, month: str) -> tuple[str, list, dict]:
    """(run id, step stats, materialization metadata per step) of the latest run of the month's partition."""
    import dagster as dg
    from dagster._core.storage.dagster_run import RunsFilter

    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs(filters=RunsFilter(tags={"dagster/partition": f"{month}-01"}), limit=1)
        if not runs:
            return "", [], {}
        run_id = runs[0].run_id
        stats = sorted(instance.get_run_step_stats(run_id), key=lambda s: s.start_time or 0)
        metadata: dict[str, dict] = {}
        records = instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION, limit=1000
        ).records
        for record in records:
            event = record.event_log_entry.dagster_event
            values = event.event_specific_data.materialization.metadata
            metadata[event.step_key] = {k: getattr(v, "value", v) for k, v in values.items()}
    return run_id, stats, metadata


def row_counts(home: Path, month: str, run_started: float, metadata: dict) -> dict[str, int]:
    """Rows per unit, read from the warehouse (read-only, after the run) and the steps' metadata."""
    import duckdb

    from assets.payments.lettrage import month_end

    started = dt.datetime.fromtimestamp(int(run_started))
    counts: dict[str, int] = {}
    con = duckdb.connect(str(home / "entrepot.duckdb"), read_only=True)
    try:

        def one(query: str, **params) -> int:
            return con.execute(query, params).fetchone()[0] or 0

        counts["referential rows"] = sum(
            one(f"SELECT count(*) FROM {t}")  # noqa: S608
            for t in ("establishments", "payers", "residents", "stays", "funding_decisions", "rates", "contributions")
        )
        counts["activity days"] = one("SELECT count(*) FROM activity_days WHERE month = $m", m=month)
        counts["days valued"] = one(
            "SELECT count(*) FROM valued_days v JOIN valuation_state s USING (month, establishment_code) "
            "WHERE s.valued_at >= $t",
            t=started,
        )
        counts["documents issued"] = one("SELECT count(*) FROM documents WHERE run_month = $m", m=month)
        counts["document lines"] = one(
            "SELECT count(*) FROM document_lines JOIN documents USING (number) WHERE run_month = $m", m=month
        )
        counts["documents rendered"] = one(
            "SELECT count(*) FROM document_files JOIN documents USING (number) WHERE run_month = $m", m=month
        )
        counts["bank lines read"] = one("SELECT count(*) FROM bank_lines WHERE read_month = $m", m=month)
        counts["bank lines to date"] = one(
            "SELECT count(*) FROM bank_lines WHERE booking_date <= $d", d=month_end(month)
        )
        counts["entry lines"] = one("SELECT count(*) FROM entries WHERE export_month = $m", m=month)
        counts["invoices to date"] = one("SELECT count(*) FROM documents WHERE run_month <= $m", m=month)
    finally:
        con.close()
    ledger = home / "entrees" / "comptabilite" / "grand_livre.txt"
    counts["ledger lines"] = max(0, ledger.read_bytes().count(b"\n") - 1) if ledger.exists() else 0
    if "rendus" in metadata.get("invoice_documents", {}):
        counts["documents rendered"] = int(metadata["invoice_documents"]["rendus"])
    counts["letters rendered"] = int(metadata.get("dunning_letters", {}).get("courriers", 0))
    return counts


def attribute(measured: Measured, stats: list, counts: dict[str, int]) -> list[Step]:
    steps = []
    for s in stats:
        if s.start_time is None:
            continue
        end = s.end_time or s.start_time
        stage, unit = STEPS.get(s.step_key, ("other", ""))
        cpu = _cpu_at(measured.samples, end) - _cpu_at(measured.samples, s.start_time)
        status = s.status.value if s.status else ""
        steps.append(
            Step(
                s.step_key,
                stage,
                end - s.start_time,
                cpu,
                _peak_between(measured.samples, s.start_time, end),
                counts.get(unit),
                unit,
                status,
            )
        )
    return steps


# --- closing a month ----------------------------------------------------------------------------------


@dataclass
class Close:
    month: str
    index: int  # 1-based rank of the month
    kind: str  # measured (recettes run) or history (no rendering)
    measured: Measured
    steps: list[Step]
    run_id: str

    @property
    def rendering(self) -> float:
        return sum(s.wall for s in self.steps if s.key in RENDERING_STEPS)

    @property
    def cpu_rendering(self) -> float:
        return sum(s.cpu for s in self.steps if s.key in RENDERING_STEPS)

    @property
    def without_rendering(self) -> float:
        return self.measured.wall - self.rendering

    @property
    def cpu_without_rendering(self) -> float:
        return self.measured.cpu - sum(s.cpu for s in self.steps if s.key in RENDERING_STEPS)

    @property
    def documents(self) -> int:
        return next((s.rows or 0 for s in self.steps if s.key == "issued_documents"), 0)

    @property
    def rendered(self) -> int:
        return sum(s.rows or 0 for s in self.steps if s.key in ("invoice_documents", "dunning_letters"))


def close_process(home: Path, month: str, full: bool) -> Measured:
    """Close the month in a subprocess: `recettes run` (full) or every asset but the PDF rendering."""
    from demo.generator import close_date

    day = close_date(month).isoformat()
    if full and CODE != ROOT:  # the same command as `recettes run`, from the snapshot
        args = [sys.executable, "-m", "pipelines.cli", "run", "--month", month, "--date-emission", day]
    elif full:
        args = [str(Path(sys.executable).parent / "recettes"), "run", "--month", month, "--date-emission", day]
    else:
        args = [sys.executable, "-m", "bench.large_close", "--close-without-rendering", month, "--date", day]
        args += ["--home", str(home)]
    return measure(args, child_env(home))


def closed(home: Path, month: str, index: int, full: bool, m: Measured) -> Close:
    """What the close of the month did (the demo's blocked month already closed again with its corrected
    extract, demo.run.play); stops the benchmark if it failed."""
    if m.code != 0:
        print(m.output[-3000:])
        hint = " (no CPU used for 180 s: deadlocked)" if m.code == -9 else ""
        raise SystemExit(f"{month}: the close failed (exit {m.code}){hint}")
    run_id, stats, metadata = run_steps(home, month)
    counts = row_counts(home, month, m.started, metadata)
    return Close(month, index, "measured" if full else "history", m, attribute(m, stats, counts), run_id)


def close_without_rendering(home: Path, month: str, issue_date: dt.date) -> int:
    """What `recettes run` does (pipelines/close.py close_month), without the documents: `invoice_documents`
    and its check, and `dunning_letters`."""
    from pipelines import heap

    heap.for_process()  # as `recettes run` does, before Dagster's imports
    collections, clock = collector_clock()
    import dagster as dg

    from assets.billing.assets import invoice_documents
    from assets.common.settings import load_settings
    from assets.receivables.assets import dunning_letters
    from pipelines import cli
    from pipelines.definitions import build
    from pipelines.partitions import partition_of
    from pipelines.resources import DATE_TAG

    started = time.monotonic()
    os.environ["RECETTES_HOME"] = str(home)
    load_settings(home / "parametrage.yaml")
    cli.prepare_instance(home)
    selection = dg.AssetSelection.all() - dg.AssetSelection.assets(invoice_documents, dunning_letters).downstream()
    job = dg.define_asset_job(HISTORY_JOB, selection=selection, executor_def=dg.in_process_executor)
    defs = dg.Definitions.merge(build(str(home)), dg.Definitions(jobs=[job]))
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def(HISTORY_JOB).execute_in_process(
            partition_key=partition_of(month),
            instance=instance,
            raise_on_error=False,
            tags={DATE_TAG: issue_date.isoformat()},
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        )
    errors = []
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE" and event.step_key:
            error = event.event_specific_data.error
            message = error.message.strip() if error else "échec"
            if "blocking asset check" not in message:
                errors.append(f"{event.step_key} : {message}")
    failed, summary = cli._month_report(home, month)
    cli._alert(home, month, result.run_id, errors)
    r = cli.MonthResult(month, result.success, failed, errors, summary, time.monotonic() - started, result.run_id)
    cli._print_result(r)
    gc.callbacks.remove(clock)
    full = collections[-1]
    print(
        f"{COLLECTOR} {sum(n for n, _ in collections)} collections, {full[0]} of them full, "
        f"{sum(t for _, t in collections):.2f} s ({full[1]:.2f} s full)"
    )
    return r.exit_code


def collector_clock() -> tuple[list[list], object]:
    """Counts and times the garbage collector's passes, per generation, from now until the callback is
    removed from gc.callbacks: ([[count, seconds] per generation], callback)."""
    per_generation = [[0, 0.0] for _ in gc.get_count()]
    began = [0.0]

    def clock(phase: str, info: dict) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            per_generation[info["generation"]][0] += 1
            per_generation[info["generation"]][1] += time.perf_counter() - began[0]

    gc.callbacks.append(clock)
    return per_generation, clock


# --- floors -------------------------------------------------------------------------------------------


def month_inputs(home: Path, month: str) -> dict[str, list[Path]]:
    """The raw input files a close of `month` reads for the first time."""
    entrees = home / "entrees"
    banque = entrees / "banque"
    return {
        "referential": sorted((entrees / "referentiel").glob("*.csv")),
        "activity": sorted((entrees / "activite" / month).glob("*.csv")),
        "receipts": sorted((entrees / "encaissements").glob(f"*{month}*.csv")),
        "bank_xml": sorted(banque.glob(f"*{month}*.xml")),
        "bank_cfonb": sorted(p for p in banque.glob(f"*{month}*") if p.suffix.lower() in (".cfo", ".txt", ".cfonb")),
        "decisions": sorted((entrees / "relances").glob("*.csv")),
        "ledger": sorted((entrees / "comptabilite").glob("*.txt")),
    }


def duckdb_floor_child(home: Path, month: str) -> None:
    """In a fresh process: DuckDB alone reads the month's raw inputs into the tables of a new database file.
    CSV files through read_csv (types sniffed, French dates and decimal comma); Windows-1252 extracts transcoded
    to UTF-8 first (DuckDB has no such encoding); bank files, which DuckDB cannot parse, as one row per line
    (CFONB) or one text per file (camt)."""
    import duckdb

    files = month_inputs(home, month)
    with tempfile.TemporaryDirectory() as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        con = duckdb.connect(str(Path(tmp) / "floor.duckdb"))
        rows = 0

        def table(name: str, source, reader: str = "read_csv", options: str = "") -> int:
            query = f"CREATE TABLE {name} AS SELECT * FROM {reader}(?{options})"  # noqa: S608
            con.execute(query, [source])
            return con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]  # noqa: S608

        french = ", delim=';', header=true, dateformat='%d/%m/%Y', decimal_separator=','"
        for i, path in enumerate(files["referential"]):
            rows += table(f"ref_{i}", str(path), options=french)
        groups: dict[bytes, list[str]] = {}  # one read per layout (long form, monthly grid, with names)
        for i, path in enumerate(files["activity"]):
            data = path.read_bytes()
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:  # Windows-1252 (Excel): DuckDB cannot read it; transcoded to UTF-8 first
                target = Path(tmp) / f"recoded_{i}.csv"
                target.write_text(data.decode("cp1252", errors="replace"), encoding="utf-8")
                path = target
            groups.setdefault(data.split(b"\n", 1)[0].strip(), []).append(str(path))
        for i, paths in enumerate(groups.values()):
            rows += table(f"activity_{i}", paths, options=", delim=';', header=true, all_varchar=true, filename=true")
        if files["receipts"]:
            rows += table("receipts", [str(p) for p in files["receipts"]], options=french + ", union_by_name=true")
        for i, path in enumerate(files["decisions"]):
            rows += table(f"decisions_{i}", str(path), options=french + ", all_varchar=true")
        if files["bank_xml"]:
            rows += table("camt", [str(p) for p in files["bank_xml"]], reader="read_text")
        if files["bank_cfonb"]:
            lines = ", columns={'line': 'VARCHAR'}, header=false, delim='\x1f', quote='', escape='', encoding='latin-1'"
            rows += table("cfonb", [str(p) for p in files["bank_cfonb"]], options=lines)
        for i, path in enumerate(files["ledger"]):
            ledger = ", delim='\t', header=true, all_varchar=true, encoding='latin-1'"
            rows += table(f"ledger_{i}", str(path), options=ledger)
        con.execute("CHECKPOINT")
        con.close()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    size = sum(p.stat().st_size for group in files.values() for p in group)
    count = sum(len(group) for group in files.values())
    print(json.dumps({"wall": wall, "cpu": cpu, "rows": rows, "files": count, "bytes": size}))


def duckdb_floor(home: Path, month: str) -> dict:
    m = measure([sys.executable, "-m", "bench.large_close", "--duckdb-floor", month, "--home", str(home)], os.environ)
    if m.code != 0:
        raise SystemExit(f"DuckDB floor failed:\n{m.output}")
    result = json.loads(m.output.strip().splitlines()[-1])
    result.update(process_wall=m.wall, process_cpu=m.cpu, peak_mb=m.maxrss_mb)
    return result


def stack_floor_child() -> None:
    """In a fresh process: what the named stack costs before any work. Dagster runs, in process and on an
    instance configured as ours, a job of the close's steps (without rendering) that do nothing, chained and
    partitioned by month like the close; then Great Expectations is imported and its ephemeral context built,
    as the first control does (checks/expectations.py)."""
    import dagster as dg

    from checks.expectations import _context
    from pipelines import cli
    from pipelines.partitions import months, partition_of

    keys = [k for k in STEPS if k not in RENDERING_STEPS] + ["outputs_retention"]
    with tempfile.TemporaryDirectory() as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        cli.prepare_instance(Path(tmp))
        steps = []
        for key in keys:

            @dg.asset(name=key, partitions_def=months, deps=steps[-1:])
            def step() -> None:
                return None

            steps.append(step)
        job = dg.define_asset_job("floor", selection=dg.AssetSelection.all(), executor_def=dg.in_process_executor)
        defs = dg.Definitions(assets=steps, jobs=[job])
        with dg.DagsterInstance.get() as instance:
            result = defs.resolve_job_def("floor").execute_in_process(
                partition_key=partition_of("2025-01"),
                instance=instance,
                run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
            )
        assert result.success
        dagster_wall, dagster_cpu = time.perf_counter() - t0, time.process_time() - c0
        t1, c1 = time.perf_counter(), time.process_time()
        _context()
        gx_wall, gx_cpu = time.perf_counter() - t1, time.process_time() - c1
    print(
        json.dumps(
            {"steps": len(keys), "dagster": dagster_wall, "dagster_cpu": dagster_cpu, "gx": gx_wall, "gx_cpu": gx_cpu}
        )
    )


def stack_floor() -> dict:
    m = measure([sys.executable, "-m", "bench.large_close", "--stack-floor"], os.environ)
    if m.code != 0:
        raise SystemExit(f"stack floor failed:\n{m.output}")
    result = json.loads(m.output.strip().splitlines()[-1])
    result.update(process_wall=m.wall, process_cpu=m.cpu)
    return result


_bare = None


def _bare_init() -> None:
    global _bare
    from reports.render import Renderer

    _bare = Renderer()


def _bare_pdf(job: tuple[str, bool]) -> int:
    """WeasyPrint alone: the HTML to PDF, with the pipeline's stylesheet and fonts (no Factur-X embedding)."""
    from weasyprint import HTML

    from reports.render import TEMPLATES

    html, pdfa = job
    options = {"pdf_variant": "pdf/a-3b"} if pdfa else {}
    pdf = HTML(string=html, base_url=str(TEMPLATES)).write_pdf(
        stylesheets=[_bare.css], font_config=_bare.fonts, **options
    )
    return len(pdf)


def _pool_cpu(pool) -> float:
    return sum(_stat(p)[0] for p in pool._processes) / TICKS


def month_payloads(home: Path, month: str) -> list[dict]:
    """The rendering payloads of the month's documents, built as render_month builds them."""
    import duckdb

    from assets.billing.documents import _documents, document_payload
    from assets.common.settings import load_settings
    from assets.common.warehouse import run_sql

    settings = load_settings(home / "parametrage.yaml")
    con = duckdb.connect(str(home / "entrepot.duckdb"), read_only=True)
    try:
        docs, lines = _documents(con, month)
        establishments = {
            code: {"name": name, "finess": finess}
            for code, name, finess in run_sql(con, "billing/establishment_names.sql")
        }
        issue_dates = dict(run_sql(con, "billing/issue_dates.sql", {"month": month}))
    finally:
        con.close()
    association = settings.association.model_dump()
    return [
        document_payload(doc, lines[doc["number"]], association, establishments, settings, issue_dates) for doc in docs
    ]


def weasyprint_floor(home: Path, month: str, sample: int) -> dict:
    """A fixed sample of the month's documents (every k-th, the month's mix), rendered (a) by WeasyPrint alone
    from the HTML our templates produce and (b) by our renderer (render_document: Factur-X for public payers),
    both in a pool of as many worker processes as render_month starts for the whole month, workers started
    before timing."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from assets.billing.documents import render_document
    from reports.render import Renderer, render_all

    payloads = month_payloads(home, month)
    if not payloads:
        return {}
    workers = min(len(payloads) // 20, os.cpu_count() or 1) or 1
    stride = max(1, len(payloads) // sample)
    chosen = payloads[::stride][:sample]
    renderer = Renderer()

    class Capture:
        def pdf(self, template, context, pdfa=False):
            self.template, self.context = template, context
            return b""

    capture = Capture()
    t = time.perf_counter()
    jobs = []
    for payload in chosen:
        render_document(capture, {**payload, "facturx": False})
        jobs.append((renderer.html(capture.template, capture.context), payload["facturx"]))
    templating = time.perf_counter() - t
    warm = jobs[: 2 * workers]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_bare_init) as pool:
        list(pool.map(_bare_pdf, warm))
        c0 = _pool_cpu(pool)
        t = time.perf_counter()
        list(pool.map(_bare_pdf, jobs, chunksize=8))
        bare = time.perf_counter() - t
        bare_cpu = _pool_cpu(pool) - c0
    list(render_all(render_document, chosen[: 2 * workers], workers=workers))  # starts the shared pool
    t = time.perf_counter()
    list(render_all(render_document, chosen, workers=workers))
    ours = time.perf_counter() - t
    return {
        "documents": len(payloads),
        "sample": len(chosen),
        "facturx": sum(p["facturx"] for p in chosen),
        "workers": workers,
        "templating": templating,
        "bare": bare,
        "bare_cpu": bare_cpu,
        "ours": ours,
    }


# --- reporting ----------------------------------------------------------------------------------------


def _f(value, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}".replace(",", " ")


def print_close(c: Close, residents: int, history: int) -> None:
    m = c.measured
    label = "recettes run" if c.kind == "measured" else "close without rendering"
    print(f"\n== {c.month} (month {c.index}, {history} month(s) of history), {label}, run {c.run_id[:8]}")
    print(
        f"{'step':<44} {'stage':<12} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'rows':>9}  {'unit':<20} {'rows/s':>9}"
    )
    for s in c.steps:
        print(
            f"{s.key:<44} {s.stage:<12} {s.wall:8.2f} {s.cpu:8.2f} {s.peak_mb:8.0f} "
            f"{'-' if s.rows is None else s.rows:>9}  {s.unit:<20} {_f(s.rate, 0):>9}"
        )
    in_steps = sum(s.wall for s in c.steps)
    cpu_steps = sum(s.cpu for s in c.steps)
    print(f"{'outside steps (start, report)':<44} {'':<12} {m.wall - in_steps:8.2f} {m.cpu - cpu_steps:8.2f}")
    for line in m.output.splitlines():
        if line.startswith(COLLECTOR):
            print(line)
    print(
        f"{'TOTAL process':<44} {'':<12} {m.wall:8.2f} {m.cpu:8.2f} {m.peak_mb:8.0f}  "
        f"(largest single process {m.maxrss_mb:.0f} MB; {residents} residents; "
        f"load average {m.load[0]:.1f} before, {m.load[1]:.1f} after)"
    )
    if c.kind == "measured":
        print(f"{'  of which documents':<44} {'':<12} {c.rendering:8.2f}")
        print(f"{'  close without documents':<44} {'':<12} {c.without_rendering:8.2f} {c.cpu_without_rendering:8.2f}")


def print_floors(c: Close, duck: dict, wp: dict, stack: dict | None = None) -> list[tuple[str, bool]]:
    """The floors and the targets of a measured month; returns (target, passed)."""
    verdicts = []
    print(f"-- floors for {c.month}")
    print(
        f"DuckDB alone, {duck['files']} input files ({duck['bytes'] / 2**20:.1f} MB, {duck['rows']} rows) into a new "
        f"database file: {duck['wall']:.2f} s wall, {duck['cpu']:.2f} s CPU "
        f"(the whole process, interpreter and import included: {duck['process_wall']:.2f} s, "
        f"{duck['process_cpu']:.2f} s CPU, {duck['peak_mb']:.0f} MB)"
    )
    if stack:
        allowed = TARGET_FLOOR_RATIO * duck["wall"]
        print(
            f"the named stack alone, in a fresh process: {stack['process_wall']:.2f} s wall, "
            f"{stack['process_cpu']:.2f} s CPU (Dagster running the close's {stack['steps']} steps doing nothing: "
            f"{stack['dagster']:.2f} s; GX imported and its context built: {stack['gx']:.2f} s); "
            f"{TARGET_FLOOR_RATIO:g}x the DuckDB floor allows {allowed:.2f} s"
            + (", less than the stack needs before any work" if allowed < stack["process_wall"] else "")
        )
    if wp:
        n = wp["sample"]
        per_bare, per_ours = wp["bare"] / n, wp["ours"] / n
        per_pipeline = c.rendering / c.rendered if c.rendered else None
        print(
            f"WeasyPrint, sample of {n} of the month's {wp['documents']} documents ({wp['facturx']} Factur-X), "
            f"pool of {wp['workers']}:"
        )
        print(
            f"  bare (HTML prepared beforehand in {wp['templating']:.1f} s): {wp['bare']:.1f} s, "
            f"{n / wp['bare']:.1f} doc/s, {wp['bare_cpu']:.1f} s CPU in the workers"
        )
        print(
            f"  our renderer, same sample: {wp['ours']:.1f} s, {n / wp['ours']:.1f} doc/s ({per_ours / per_bare:.2f}x)"
        )
        if per_pipeline:
            cpu_ratio = (c.cpu_rendering / c.rendered) / (wp["bare_cpu"] / n)
            print(
                f"  the close's documents step: {c.rendered} documents in {c.rendering:.1f} s, "
                f"{1 / per_pipeline:.1f} doc/s ({per_pipeline / per_bare:.2f}x the bare floor per document; "
                f"CPU {c.cpu_rendering:.1f} s, {cpu_ratio:.2f}x the bare floor's CPU per document)"
            )
    print(f"-- targets for {c.month} (verdicts on wall time; CPU time alongside, for a loaded machine)")
    ratio = c.without_rendering / duck["wall"]
    verdicts.append(
        _verdict(
            f"close without documents within {TARGET_FLOOR_RATIO:g}x the DuckDB floor",
            ratio <= TARGET_FLOOR_RATIO,
            f"{c.without_rendering:.1f} s / {duck['wall']:.2f} s = {ratio:.1f}x "
            f"(CPU {c.cpu_without_rendering:.1f} s / {duck['cpu']:.2f} s = "
            f"{c.cpu_without_rendering / duck['cpu']:.1f}x)",
        )
    )
    verdicts.append(
        _verdict(
            f"close without documents under {TARGET_CLOSE_S:g} s",
            c.without_rendering < TARGET_CLOSE_S,
            f"{c.without_rendering:.1f} s (CPU {c.cpu_without_rendering:.1f} s)",
        )
    )
    if wp and c.rendered:
        per_pipeline = c.rendering / c.rendered
        ratio = per_pipeline / (wp["bare"] / wp["sample"])
        verdicts.append(
            _verdict(
                f"documents within {TARGET_RENDER_RATIO:g}x the WeasyPrint floor (per document)",
                ratio <= TARGET_RENDER_RATIO,
                f"{per_pipeline * 1000:.0f} ms / {wp['bare'] / wp['sample'] * 1000:.0f} ms = {ratio:.2f}x "
                f"(CPU {c.cpu_rendering / c.rendered * 1000:.0f} ms / {wp['bare_cpu'] / wp['sample'] * 1000:.0f} ms "
                f"= {(c.cpu_rendering / c.rendered) / (wp['bare_cpu'] / wp['sample']):.2f}x)",
            )
        )
    elif wp:
        ratio = wp["ours"] / wp["bare"]
        verdicts.append(
            _verdict(
                f"documents within {TARGET_RENDER_RATIO:g}x the WeasyPrint floor (our renderer on the sample; "
                "this close rendered nothing)",
                ratio <= TARGET_RENDER_RATIO,
                f"{wp['ours']:.1f} s / {wp['bare']:.1f} s = {ratio:.2f}x",
            )
        )
    peak = max(c.measured.peak_mb, c.measured.maxrss_mb)
    verdicts.append(_verdict(f"peak memory under {TARGET_PEAK_MB:g} MB", peak < TARGET_PEAK_MB, f"{peak:.0f} MB"))
    return verdicts


def _verdict(name: str, passed: bool, detail: str) -> tuple[str, bool]:
    print(f"  {'PASS' if passed else 'FAIL'}  {name}: {detail}")
    return name, passed


def print_history_curve(closes: list[Close]) -> None:
    print("\n== every month: close time (s) and its largest steps")
    keys = ["valued_days", "issued_documents", "allocations", "accounting_entries", "aged_balance", "reminders"]
    keys += ["invoice_documents", "dunning_letters"]
    print(
        f"{'month':<8} {'#':>3} {'kind':<9} {'total':>7} {'no docs':>8} {'docs':>7} "
        + " ".join(f"{k[:11]:>11}" for k in keys)
    )
    for c in closes:
        walls = {s.key: s.wall for s in c.steps}
        cells = " ".join(f"{_f(walls.get(k), 2):>11}" for k in keys)
        print(
            f"{c.month:<8} {c.index:>3} {c.kind:<9} {c.measured.wall:7.1f} {c.without_rendering:8.1f} "
            f"{c.rendering:7.1f} {cells}"
        )


def append_csv(rows: list[dict]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    header = [
        "when",
        "scale",
        "residents",
        "establishments",
        "seed",
        "month",
        "month_index",
        "history_months",
        "kind",
        "stage",
        "step",
        "wall_s",
        "cpu_s",
        "peak_mb",
        "rows",
        "unit",
        "rows_per_s",
        "run_id",
    ]
    new = not RESULTS.exists()
    with RESULTS.open("a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header, delimiter=";", extrasaction="ignore")
        if new:
            w.writeheader()
        w.writerows(rows)


def csv_rows(context: dict, c: Close, duck: dict | None, wp: dict | None, stack: dict | None = None) -> list[dict]:
    base = {**context, "month": c.month, "month_index": c.index, "history_months": c.index - 1, "kind": c.kind}
    base["run_id"] = c.run_id
    rows = []
    for s in c.steps:
        rows.append(
            {
                **base,
                "stage": s.stage,
                "step": s.key,
                "wall_s": f"{s.wall:.3f}",
                "cpu_s": f"{s.cpu:.3f}",
                "peak_mb": f"{s.peak_mb:.0f}",
                "rows": "" if s.rows is None else s.rows,
                "unit": s.unit,
                "rows_per_s": "" if s.rate is None else f"{s.rate:.1f}",
            }
        )
    m = c.measured
    in_steps, cpu_steps = sum(s.wall for s in c.steps), sum(s.cpu for s in c.steps)
    rows.append({**base, "stage": "total", "step": "outside_steps", "wall_s": f"{m.wall - in_steps:.3f}"})
    rows[-1]["cpu_s"] = f"{m.cpu - cpu_steps:.3f}"
    rows.append(
        {
            **base,
            "stage": "total",
            "step": "process",
            "wall_s": f"{m.wall:.3f}",
            "cpu_s": f"{m.cpu:.3f}",
            "peak_mb": f"{max(m.peak_mb, m.maxrss_mb):.0f}",
            "rows": c.documents,
            "unit": "documents issued",
        }
    )
    rows.append(
        {
            **base,
            "stage": "total",
            "step": "without_documents",
            "wall_s": f"{c.without_rendering:.3f}",
            "cpu_s": f"{c.cpu_without_rendering:.3f}",
            "rows": f"{m.load[0]:.1f}",
            "unit": "load average before",
        }
    )
    if duck:
        rows.append(
            {
                **base,
                "stage": "floor",
                "step": "duckdb_read_inputs",
                "wall_s": f"{duck['wall']:.3f}",
                "cpu_s": f"{duck['cpu']:.3f}",
                "peak_mb": f"{duck['peak_mb']:.0f}",
                "rows": duck["rows"],
                "unit": "input rows",
                "rows_per_s": f"{duck['rows'] / duck['wall']:.0f}",
            }
        )
    if stack:
        rows.append(
            {
                **base,
                "stage": "floor",
                "step": "stack_empty_close",
                "wall_s": f"{stack['process_wall']:.3f}",
                "cpu_s": f"{stack['process_cpu']:.3f}",
                "rows": stack["steps"],
                "unit": "steps doing nothing",
            }
        )
    if wp:
        for step, wall, cpu in (
            ("weasyprint_bare_sample", wp["bare"], wp["bare_cpu"]),
            ("ours_sample", wp["ours"], None),
        ):
            rows.append(
                {
                    **base,
                    "stage": "floor",
                    "step": step,
                    "wall_s": f"{wall:.3f}",
                    "cpu_s": "" if cpu is None else f"{cpu:.3f}",
                    "rows": wp["sample"],
                    "unit": "documents (sample)",
                    "rows_per_s": f"{wp['sample'] / wall:.1f}",
                }
            )
    return rows


# --- the runs -----------------------------------------------------------------------------------------


def bench_association(
    home: Path,
    scale: str,
    residents: int | None,
    seed: int,
    months: int,
    measure_at: set[int],
    sample: int,
    floors_at: set[int] = frozenset(),
    keep_before: int = 0,
) -> tuple[list[Close], dict]:
    """Generate, then close the first `months` months; the ranks in `measure_at` through `recettes run`, the
    others without rendering; floors and targets at the ranks in `floors_at`. With `keep_before`, a copy of
    the home as it is just before that month's close (its inputs written) is kept beside it, to profile
    that close again and again."""
    from demo.run import play

    t = time.perf_counter()
    data = sized_data(scale, residents, seed)
    count = len(data.referential["usagers.csv"])
    establishments = len(data.referential["etablissements.csv"])
    print(
        f"\n### {scale}, {count} residents, {establishments} establishments, seed {seed}: generated in "
        f"{time.perf_counter() - t:.1f} s; closing {months} month(s) in {home}, by `recettes run`: "
        f"{', '.join(str(i) for i in sorted(measure_at)) or 'none'}, floors at "
        f"{', '.join(str(i) for i in sorted(floors_at)) or 'none'}"
    )
    fresh_home(home)
    demo = timed_demo().create(home, data, seed)
    context = {
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "scale": scale if residents is None else f"sized-{residents}",
        "residents": count,
        "establishments": establishments,
        "seed": seed,
    }
    ranks = {month: index for index, month in enumerate(data.months[:months], start=1)}
    kept_for: set[str] = set()

    def close_it(month: str) -> Measured:
        index = ranks[month]
        if index == keep_before and month not in kept_for:  # once, before the month's first close
            kept_for.add(month)
            kept = home.with_name(f"{home.name}-before-{index}")
            shutil.rmtree(kept, ignore_errors=True)
            shutil.copytree(home, kept)
            (kept / KEPT).write_text(json.dumps({"month": month, "index": index, "residents": count}))
            print(f"{month} (#{index}): the home before its close copied to {kept} (--reclose {kept})")
        return close_process(home, month, full=index in measure_at)

    closes, verdicts = [], []
    for month, m in play(demo, ranks, close_it, corrected=blocked_then_corrected):
        index = ranks[month]
        prepared = demo.prepared
        c = closed(home, month, index, index in measure_at, m)
        closes.append(c)
        duck = wp = stack = None
        if index in floors_at:
            print_close(c, count, index - 1)
            duck, stack = duckdb_floor(home, month), stack_floor()
            wp = weasyprint_floor(home, month, sample) if sample else {}
            verdicts += [(f"{month}: {name}", ok) for name, ok in print_floors(c, duck, wp, stack)]
        else:
            print(
                f"{month} (#{index}) without rendering: {c.measured.wall:.1f} s wall, {c.measured.cpu:.1f} s CPU, "
                f"{max(c.measured.peak_mb, c.measured.maxrss_mb):.0f} MB, {c.documents} documents "
                f"(inputs written in {prepared:.1f} s)"
            )
        append_csv(csv_rows(context, c, duck, wp, stack))
    return closes, {"residents": count, "establishments": establishments, "verdicts": verdicts}


KEPT = ".large_close_kept.json"  # in a --keep-before copy: the month it was kept for


def reclose(kept: Path) -> int:
    """Close again, without rendering, the month a --keep-before copy was kept for, from a fresh copy of it
    (the copy itself is left as it is, to run it again); prints its steps as the benchmark does."""
    info = json.loads((kept / KEPT).read_text())
    home = kept.with_name(f"{kept.name}-run")
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(kept, home)
    # the copy's pages are written out now: otherwise the close's first checkpoint waits for them (bank_lines
    # took 0.36 s instead of 0.09 s to close its warehouse at month 24, its 460 MB copied just before)
    os.sync()
    c = closed(home, info["month"], info["index"], False, close_process(home, info["month"], full=False))
    print_close(c, info["residents"], info["index"] - 1)
    print_floors(c, duckdb_floor(home, info["month"]), {}, stack_floor())
    return 0


def main_run(a) -> int:
    def ranks(text: str, default: set[int]) -> set[int]:
        chosen = default if not text else set() if text == "none" else {int(x) for x in text.split(",")}
        return {i for i in chosen if 1 <= i <= a.months}

    measure_at = ranks(a.measure, {2, a.months})
    floors_at = ranks(a.floors, measure_at or {2, a.months})
    residents = a.residents
    home = Path(a.home or f"/tmp/large-close/{a.scale}-{residents or 'default'}-s{a.seed}")
    closes, info = bench_association(
        home, a.scale, residents, a.seed, a.months, measure_at, a.sample, floors_at, a.keep_before
    )
    print_history_curve(closes)
    compared = [c for c in closes if c.index in floors_at]
    verdicts = info["verdicts"]
    if len(compared) >= 2:
        first, last = compared[0], compared[-1]
        print(f"-- month {last.index} against month {first.index}")
        if first.kind == last.kind == "measured":
            verdicts.append(
                _verdict(
                    f"closing month {last.index} takes no longer than month {first.index} (whole close)",
                    last.measured.wall <= first.measured.wall,
                    f"{last.measured.wall:.1f} s vs {first.measured.wall:.1f} s",
                )
            )
        verdicts.append(
            _verdict(
                f"closing month {last.index} takes no longer than month {first.index} (without documents)",
                last.without_rendering <= first.without_rendering,
                f"{last.without_rendering:.1f} s vs {first.without_rendering:.1f} s "
                f"(CPU {last.cpu_without_rendering:.1f} s vs {first.cpu_without_rendering:.1f} s)",
            )
        )
        for c in [first, *compared[1:-1]]:  # the work of each month beside its time: month 2 is a ramp-up month
            print(
                f"  month {last.index} against month {c.index}: {last.without_rendering:.1f} s vs "
                f"{c.without_rendering:.1f} s without documents; "
                + ", ".join(f"{_rows_of(last, key)} vs {_rows_of(c, key)} {unit}" for key, unit in COMPARED_WORK)
            )
    print(f"\nresults appended to {RESULTS.relative_to(ROOT)}")
    failed = [name for name, ok in verdicts if not ok]
    print(f"targets: {len(verdicts) - len(failed)} PASS, {len(failed)} FAIL")
    return 0


COMPARED_WORK = (
    ("bank_lines", "bank lines"),
    ("accounting_entries", "entry lines"),
    ("ledger_reciprocity", "ledger lines"),
)


def _rows_of(c: Close, key: str) -> str:
    return next((str(s.rows) for s in c.steps if s.key == key and s.rows is not None), "?")


def growth_run(a) -> int:
    """The close time of the same month for associations of several sizes."""
    sizes = [int(x) for x in a.sizes.split(",")]
    months = a.months if a.months_given else 2
    measure_at = set() if a.no_rendering else {months}
    table = []
    for size in sizes:
        home = Path(a.home or "/tmp/large-close") / f"growth-{size}-s{a.seed}"
        closes, info = bench_association(home, "large", size, a.seed, months, measure_at, 0)
        c = closes[-1]
        print_close(c, info["residents"], months - 1)
        table.append((info["residents"], info["establishments"], months - 1, c))
    print("\n== growth: the close of the last month against the number of residents")
    print("   (wall and CPU of the whole process without documents; 'steps' leaves out the process start-up)")
    print(
        f"{'residents':>9} {'etabs':>5} {'hist':>4} {'wall s':>7} {'CPU s':>7} {'steps s':>8} {'docs':>6} "
        f"{'render s':>8} {'ms/res':>7} {'CPU ms/res':>10} {'steps ms/res':>12} {'slope wall/CPU/steps':>21}"
    )

    def in_steps(c: Close) -> float:
        return sum(s.wall for s in c.steps if s.key not in RENDERING_STEPS)

    previous = None
    for residents, establishments, history, c in table:
        slope = ""
        if previous:
            r = math.log(residents / previous[0])
            slope = "/".join(
                f"{math.log(now / before) / r:.2f}"
                for now, before in zip(
                    (c.without_rendering, c.cpu_without_rendering, in_steps(c)), previous[1:], strict=True
                )
            )
        rendering = f"{c.rendering:.1f}" if c.kind == "measured" else "-"
        print(
            f"{residents:>9} {establishments:>5} {history:>4} {c.without_rendering:>7.1f} "
            f"{c.cpu_without_rendering:>7.1f} {in_steps(c):>8.1f} {c.documents:>6} {rendering:>8} "
            f"{c.without_rendering / residents * 1000:>7.2f} {c.cpu_without_rendering / residents * 1000:>10.2f} "
            f"{in_steps(c) / residents * 1000:>12.2f} {slope:>21}"
        )
        previous = (residents, c.without_rendering, c.cpu_without_rendering, in_steps(c))
    first, last = table[0], table[-1]
    r = math.log(last[0] / first[0])
    for name, value in (
        ("wall", lambda c: c.without_rendering),
        ("CPU", lambda c: c.cpu_without_rendering),
        ("steps", in_steps),
    ):
        slope = math.log(value(last[3]) / value(first[3])) / r
        _verdict(
            f"the close without documents grows no faster than linearly ({name}, log-log slope <= 1)",
            slope <= 1.0,
            f"slope {slope:.2f} from {first[0]} to {last[0]} residents",
        )
    return 0


def verify_history(a) -> int:
    """Close the same months twice, normally and without rendering, and compare the warehouses."""
    import duckdb

    from demo.run import Demo, play

    homes = {}
    for full in (True, False):
        home = Path(a.home or "/tmp/large-close") / f"verify-{'full' if full else 'history'}-{a.scale}"
        fresh_home(home)
        data = sized_data(a.scale, a.residents, a.seed)
        demo = Demo.create(home, data, a.seed)
        months = data.months[: a.months]
        played = play(demo, months, lambda m, h=home, f=full: close_process(h, m, f), corrected=blocked_then_corrected)
        for index, (month, m) in enumerate(played, start=1):
            c = closed(home, month, index, full, m)
            print(f"{'full' if full else 'history'} {month}: {c.measured.wall:.1f} s, steps {len(c.steps)}")
        homes[full] = home
    volatile = {"TIMESTAMP", "TIMESTAMP WITH TIME ZONE"}
    differences = 0
    full_con = duckdb.connect(str(homes[True] / "entrepot.duckdb"), read_only=True)
    hist_con = duckdb.connect(str(homes[False] / "entrepot.duckdb"), read_only=True)
    tables = [r[0] for r in full_con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
    for table in tables:
        columns = full_con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index", [table]
        ).fetchall()
        kept = [f'"{n}"' for n, t in columns if t not in volatile and n not in ("path", "run_id", "detail")]
        query = f"SELECT {', '.join(kept)} FROM {table} ORDER BY ALL"  # noqa: S608
        left, right = full_con.execute(query).fetchall(), hist_con.execute(query).fetchall()
        if left == right:
            print(f"  same   {table} ({len(left)} rows)")
            continue
        differences += 1
        only_full = len(set(left) - set(right))
        only_hist = len(set(right) - set(left))
        print(
            f"  DIFFER {table}: {len(left)} vs {len(right)} rows, {only_full} only in full, {only_hist} only in history"
        )
        for row in sorted(set(left) - set(right), key=str)[:3]:
            print(f"         full only: {row}")
        for row in sorted(set(right) - set(left), key=str)[:3]:
            print(f"         history only: {row}")
    full_files = {p.relative_to(homes[True]) for p in (homes[True] / "sorties").rglob("*") if p.is_file()}
    hist_files = {p.relative_to(homes[False]) for p in (homes[False] / "sorties").rglob("*") if p.is_file()}
    missing = sorted(full_files - hist_files)
    suffixes = sorted({p.suffix for p in missing} | {p.name for p in missing if p.suffix != ".pdf"})
    print(f"  output files only in the full closes: {len(missing)} ({', '.join(suffixes)})")
    print(f"  output files only in the history closes: {len(hist_files - full_files)}")
    for path in sorted(full_files & hist_files):
        if path.suffix in (".csv",) and (homes[True] / path).read_bytes() != (homes[False] / path).read_bytes():
            print(f"  CSV differs: {path}")
    print(f"{differences} table(s) differ")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", choices=("demo", "large"), default="large")
    p.add_argument("--residents", type=int, default=None, help="size the `large` plan for about this many residents")
    p.add_argument("--seed", type=int, default=66)
    p.add_argument("--months", type=int, default=None, help="close the first N months (default 24)")
    p.add_argument(
        "--measure", default="", help="ranks of the months closed by `recettes run` (default 2,N; none: no rendering)"
    )
    p.add_argument("--floors", default="", help="ranks of the months with floors and targets (default: --measure)")
    p.add_argument("--sample", type=int, default=400, help="documents rendered for the WeasyPrint floor (0: none)")
    p.add_argument("--home", default=None, help="data folder (default /tmp/large-close/...)")
    p.add_argument("--growth", action="store_true", help="the growth curve over --sizes")
    p.add_argument("--sizes", default="1000,3000,12000,30000")
    p.add_argument("--no-rendering", action="store_true", help="growth: close the last month without rendering")
    p.add_argument("--verify-history", action="store_true", help="compare a close without rendering with a full one")
    p.add_argument("--snapshot", metavar="DIR", help="run the closes from a copy of the code made in DIR")
    p.add_argument(
        "--keep-before", type=int, default=0, metavar="RANK", help="keep a copy of the home before that month's close"
    )
    p.add_argument("--reclose", metavar="DIR", help="close again the month of a --keep-before copy (no rendering)")
    p.add_argument("--close-without-rendering", metavar="MONTH", help=argparse.SUPPRESS)
    p.add_argument("--duckdb-floor", metavar="MONTH", help=argparse.SUPPRESS)
    p.add_argument("--stack-floor", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--date", help=argparse.SUPPRESS)
    return p


def main() -> int:
    a = parser().parse_args()
    a.months_given = a.months is not None
    a.months = a.months or 24
    global CODE
    if a.snapshot:
        CODE = snapshot_code(Path(a.snapshot))
        sys.path.insert(0, str(CODE))
        print(f"code copied to {CODE}; the closes run from there")
    if a.close_without_rendering:
        return close_without_rendering(Path(a.home), a.close_without_rendering, dt.date.fromisoformat(a.date))
    if a.duckdb_floor:
        duckdb_floor_child(Path(a.home), a.duckdb_floor)
        return 0
    if a.stack_floor:
        stack_floor_child()
        return 0
    if a.reclose:
        return reclose(Path(a.reclose))
    if a.verify_history:
        return verify_history(a)
    if a.growth:
        return growth_run(a)
    return main_run(a)


if __name__ == "__main__":
    sys.exit(main())
