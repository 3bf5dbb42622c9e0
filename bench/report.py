"""What the benchmark prints and appends to bench/results/large_close.csv: a close's steps, the history curve
of every month, and the CSV rows."""

from __future__ import annotations

import csv

from bench.closes import COLLECTOR, Close
from bench.sampler import ROOT

RESULTS = ROOT / "bench" / "results" / "large_close.csv"


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
