"""Benchmark: generate an association and time `recettes run` for one month (not a test; prints figures).

    uv run python bench/month_close.py --scale large --month 2026-10 [--home /tmp/recettes-large]

Prints the generation time, then wall time, CPU time and peak memory of each `recettes run` (first run,
then a re-run of the same month), and appends them to bench/results/month_close.csv.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import resource
import subprocess
import sys
import time
from pathlib import Path


def timed_run(args: list[str], env: dict) -> tuple[float, float, float, int, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak_mb = after.ru_maxrss / 1024
    return wall, cpu, peak_mb, done.returncode, done.stdout + done.stderr


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--scale", choices=("demo", "large"), default="large")
    p.add_argument("--seed", type=int, default=66)
    p.add_argument("--month", default="2026-10")
    p.add_argument("--home", default=None)
    p.add_argument("--skip-generate", action="store_true")
    a = p.parse_args()
    home = Path(a.home or f"/tmp/recettes-bench-{a.scale}")
    env = {**os.environ, "RECETTES_HOME": str(home)}
    env.pop("DAGSTER_HOME", None)
    recettes = str(Path(sys.executable).parent / "recettes")
    rows = []
    if not a.skip_generate:
        wall, cpu, peak, code, out = timed_run([recettes, "generate", "--scale", a.scale, "--seed", str(a.seed)], env)
        print(f"generate {a.scale}: {wall:.1f} s wall, {cpu:.1f} s CPU, {peak:.0f} MB peak — {out.strip()}")
        rows.append(("generate", wall, cpu, peak, code))
    for label in ("run", "re-run"):
        wall, cpu, peak, code, out = timed_run(
            [recettes, "run", "--month", a.month, "--date-emission", "2026-11-05"], env
        )
        print(f"{label} {a.month}: {wall:.1f} s wall, {cpu:.1f} s CPU, {peak:.0f} MB peak, exit {code}")
        print("  " + out.strip().replace("\n", "\n  "))
        rows.append((label, wall, cpu, peak, code))
    results = Path(__file__).parent / "results"
    results.mkdir(exist_ok=True)
    target = results / "month_close.csv"
    new = not target.exists()
    with target.open("a", newline="") as f:
        w = csv.writer(f, delimiter=";")
        if new:
            w.writerow(["when", "scale", "month", "step", "wall_s", "cpu_s", "peak_mb", "exit"])
        for step, wall, cpu, peak, code in rows:
            w.writerow(
                [
                    dt.datetime.now().isoformat(timespec="seconds"),
                    a.scale,
                    a.month,
                    step,
                    f"{wall:.2f}",
                    f"{cpu:.2f}",
                    f"{peak:.0f}",
                    code,
                ]
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
