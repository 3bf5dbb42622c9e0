"""Benchmark of the whole month close (not a test; prints figures, appends them to bench/results/large_close.csv).

    uv run python -m bench.large_close                                  # large, 24 months, measures 2 and 24
    uv run python -m bench.large_close --scale demo --months 3          # a quick run
    uv run python -m bench.large_close --months 6 --measure 2,6 --sample 200
    uv run python -m bench.large_close --months 12 --measure none --floors 2,12
    uv run python -m bench.large_close --measure none --floors 2,24 --keep-before 24
    uv run python -m bench.large_close --reclose /tmp/large-close/large-default-s66-before-24   # month 24 again
    uv run python -m bench.large_close --reclose DIR --documents --sample 400   # with its documents
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
import datetime as dt
import json
import math
import os
import shutil
import sys
import time
from pathlib import Path

from bench import sampler
from bench.association import blocked_then_corrected, fresh_home, sized_data, snapshot_code, timed_demo
from bench.closes import (
    RENDERING_STEPS,
    Close,
    close_process,
    close_without_rendering,
    closed,
)
from bench.floors import (
    _verdict,
    duckdb_floor,
    duckdb_floor_child,
    print_floors,
    stack_floor,
    stack_floor_child,
    weasyprint_floor,
)
from bench.report import RESULTS, append_csv, csv_rows, print_close, print_history_curve
from bench.sampler import ROOT, Measured


def bench_association(
    home: Path,
    scale: str,
    residents: int | None,
    seed: int,
    months: int,
    measure_at: set[int],
    sample: int,
    floors_at: set[int] = frozenset(),
    keep_before: frozenset[int] = frozenset(),
) -> tuple[list[Close], dict]:
    """Generate, then close the first `months` months; the ranks in `measure_at` through `recettes run`, the
    others without rendering; floors and targets at the ranks in `floors_at`. For each rank in `keep_before`,
    a copy of the home as it is just before that month's close (its inputs written) is kept beside it, to
    profile that close again and again."""
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
        if index in keep_before and month not in kept_for:  # once, before the month's first close
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
        print(f"{month} (#{index}): {open_invoices(home)} open invoice(s) after the close")
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


def open_invoices(home: Path) -> int:
    """How many invoices are open (amount + credit notes − receipts − write-offs > 0) once the close is done:
    with direct debits, credits applied and write-offs, they stop growing with the months."""
    from assets.common.warehouse import Warehouse

    with Warehouse(home / "entrepot.duckdb").connect() as con:
        return int(con.execute("SELECT count(*) FROM invoice_balances WHERE open_amount > 0").fetchone()[0])


KEPT = ".large_close_kept.json"  # in a --keep-before copy: the month it was kept for


def reclose(kept: Path, documents: bool = False, sample: int = 0) -> int:
    """Close again the month a --keep-before copy was kept for, from a fresh copy of it (the copy itself is
    left as it is, to run it again), without its documents or, with `documents`, by `recettes run` as the
    operator does (and WeasyPrint's floor on `sample` of them); prints its steps as the benchmark does."""
    info = json.loads((kept / KEPT).read_text())
    home = kept.with_name(f"{kept.name}-run")
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(kept, home)
    # the copy's pages are written out now: otherwise the close's first checkpoint waits for them (bank_lines
    # took 0.36 s instead of 0.09 s to close its warehouse at month 24, its 460 MB copied just before)
    os.sync()
    month = info["month"]
    c = closed(home, month, info["index"], documents, close_process(home, month, full=documents))
    print_close(c, info["residents"], info["index"] - 1)
    wp = weasyprint_floor(home, month, sample) if documents and sample else {}
    print_floors(c, duckdb_floor(home, month), wp, stack_floor())
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
        "--keep-before",
        type=lambda text: frozenset(int(x) for x in text.split(",")),
        default=frozenset(),
        metavar="RANKS",
        help="keep a copy of the home before each of these months' close (e.g. 3,24)",
    )
    p.add_argument("--reclose", metavar="DIR", help="close again the month of a --keep-before copy (no rendering)")
    p.add_argument("--documents", action="store_true", help="--reclose: the whole close, documents rendered")
    p.add_argument("--close-without-rendering", metavar="MONTH", help=argparse.SUPPRESS)
    p.add_argument("--duckdb-floor", metavar="MONTH", help=argparse.SUPPRESS)
    p.add_argument("--stack-floor", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--date", help=argparse.SUPPRESS)
    return p


def main() -> int:
    a = parser().parse_args()
    a.months_given = a.months is not None
    a.months = a.months or 24
    if a.snapshot:
        sampler.CODE = snapshot_code(Path(a.snapshot))
        sys.path.insert(0, str(sampler.CODE))
        print(f"code copied to {sampler.CODE}; the closes run from there")
    if a.close_without_rendering:
        return close_without_rendering(Path(a.home), a.close_without_rendering, dt.date.fromisoformat(a.date))
    if a.duckdb_floor:
        duckdb_floor_child(Path(a.home), a.duckdb_floor)
        return 0
    if a.stack_floor:
        stack_floor_child()
        return 0
    if a.reclose:
        return reclose(Path(a.reclose), a.documents, a.sample if a.documents else 0)
    if a.verify_history:
        return verify_history(a)
    if a.growth:
        return growth_run(a)
    return main_run(a)


if __name__ == "__main__":
    sys.exit(main())
