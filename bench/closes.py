"""Closing a month for the benchmark, in a measured subprocess (`recettes run`, or every asset but the PDF
rendering), and what the run did: its steps from Dagster's event log, with the CPU and peak memory sampled
during each and a row count read back from the warehouse."""

from __future__ import annotations

import datetime as dt
import gc
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench import sampler
from bench.sampler import Measured, _cpu_at, _peak_between, measure

HISTORY_JOB = "cloture_sans_pdf"
RENDERING_STEPS = ("invoice_documents", "invoice_documents_facturx_valide", "dunning_letters")

COLLECTOR = "garbage collector in the close:"  # the line close_without_rendering prints for print_close

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


def child_env(home: Path) -> dict:
    env = {**os.environ, "RECETTES_HOME": str(home)}
    env.pop("DAGSTER_HOME", None)  # the instance under RECETTES_HOME/dagster, as `recettes` prepares it
    return env


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

    from assets.common.months import month_end

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
    if full and sampler.CODE != sampler.ROOT:  # the same command as `recettes run`, from the snapshot
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
    from assets.common import heap

    heap.for_process()  # as `recettes run` does, before Dagster's imports
    collections, clock = collector_clock()
    import dagster as dg

    from assets.billing.assets import invoice_documents
    from assets.common.partitions import partition_of
    from assets.common.resources import DATE_TAG, VALIDATE_TAG
    from assets.common.settings_file import load_settings
    from assets.receivables.assets import dunning_letters
    from pipelines import close
    from pipelines.definitions import build

    started = time.monotonic()
    os.environ["RECETTES_HOME"] = str(home)
    load_settings(home / "parametrage.yaml")
    close.prepare_instance(home)
    selection = dg.AssetSelection.all() - dg.AssetSelection.assets(invoice_documents, dunning_letters).downstream()
    job = dg.define_asset_job(HISTORY_JOB, selection=selection, executor_def=dg.in_process_executor)
    defs = dg.Definitions.merge(build(str(home)), dg.Definitions(jobs=[job]))
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def(HISTORY_JOB).execute_in_process(
            partition_key=partition_of(month),
            instance=instance,
            raise_on_error=False,
            tags={DATE_TAG: issue_date.isoformat(), VALIDATE_TAG: "bench"},
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        )
    errors = []
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE" and event.step_key:
            error = event.event_specific_data.error
            message = error.message.strip() if error else "échec"
            if "blocking asset check" not in message:
                errors.append(f"{event.step_key} : {message}")
    failed, summary, _ = close._month_report(home, month)
    close._alert(home, month, result.run_id, errors)
    r = close.MonthResult(month, result.success, failed, errors, summary, time.monotonic() - started, result.run_id)
    close.print_result(r)
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
