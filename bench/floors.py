"""The floors a month's close is compared with, and the targets it is held to: (a) DuckDB alone reading the
month's raw input files into a fresh database file, in a fresh process; (b) WeasyPrint alone rendering a
fixed sample of the month's documents, beside our renderer on the same sample; (c) the named stack alone
(Dagster running the close's steps doing nothing, then Great Expectations' import and context)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.closes import RENDERING_STEPS, STEPS, Close
from bench.sampler import TICKS, _stat, measure

TARGET_FLOOR_RATIO = 3.0  # the close without rendering, against the DuckDB floor
TARGET_CLOSE_S = 60.0
TARGET_RENDER_RATIO = 1.5  # rendering, per document, against the WeasyPrint floor
TARGET_PEAK_MB = 4096.0


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

    from assets.common.partitions import TIMEZONE, partition_of
    from checks.expectations import _context
    from pipelines import close

    keys = [k for k in STEPS if k not in RENDERING_STEPS] + ["outputs_retention"]
    # the close's monthly partitions, whatever data folder RECETTES_HOME names (assets/common/partitions.py)
    months = dg.MonthlyPartitionsDefinition(start_date="2025-01-01", end_offset=0, timezone=TIMEZONE)
    with tempfile.TemporaryDirectory() as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        close.prepare_instance(Path(tmp))
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
    from assets.common.settings_file import load_settings
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
