"""Several associations closing side by side in one Dagster deployment (docs/operations.md "Several
associations"), against closing them one after the other.

For 1, 2, 4 and 8 copies of an association (the demo's first month, two of its establishments), each in a data
folder of its own: the copies closed one after the other by `recettes run` (serial), then the same copies closed
through one deployment started here (PostgreSQL, deploy/dagster.yaml's run queue: two runs at a time, one per
association; the daemon, the webserver, a code server per association), all launched at once through GraphQL.
Prints per copy count: the serial time, the makespan through the queue (first launch to last run's end), its
ratio to serial, the mean run time and the peak resident memory of every process of the deployment.

    uv run python -m bench.federation [--copies 1 2 4 8]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from pathlib import Path

from bench.sampler import _proc_tree, _stat


def _peak_rss(roots: list[int], stop: threading.Event, peak: list[int]) -> None:
    while not stop.is_set():
        pids = {p for root in roots for p in _proc_tree(root)}
        peak[0] = max(peak[0], sum(_stat(p)[2] for p in pids))
        time.sleep(0.5)


def main() -> None:
    from pipelines.close import login
    from tests.e2e.deployment import close_alone, deployment, first_month_inputs, instance_yaml, write_group
    from tests.e2e.test_postgres import postgres_server

    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--runs", type=int, default=None, help="runs at once (default: deploy/dagster.yaml's)")
    parser.add_argument("--serial", type=float, default=None, help="serial seconds of one close, not measured")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="recettes-federation-"))
    by = login()
    try:
        inputs = first_month_inputs(root / "inputs")
        print("copies | serial (s) | through the queue (s) | ratio | mean run (s) | peak memory (GB)")
        for turn, n in enumerate(args.copies):
            work = root / f"n{n}-{turn}"  # a count given twice is measured twice
            serial = 0.0 if args.serial is None else args.serial * n
            for i in range(n if args.serial is None else 0):
                home = shutil.copytree(inputs, work / "serial" / f"a{i}")
                started = time.monotonic()
                done = close_alone(home, by)
                serial += time.monotonic() - started
                assert done.returncode == 0, done.stdout + done.stderr
            homes = {f"asso{i:02d}": shutil.copytree(inputs, work / f"asso{i:02d}") for i in range(n)}
            group = write_group(work / "groupe.yaml", homes)
            dagster_home = work / "deployment"
            dagster_home.mkdir()
            with postgres_server() as db:
                (dagster_home / "dagster.yaml").write_text(instance_yaml(db, args.runs), encoding="utf-8")
                with deployment(group, dagster_home, work) as running:
                    stop, peak = threading.Event(), [0]
                    watcher = threading.Thread(
                        target=_peak_rss, args=([p.pid for p in running.processes], stop, peak), daemon=True
                    )
                    watcher.start()
                    launched = time.time()
                    for code in homes:
                        running.launch_close(code, by)
                    runs = running.wait_for(n, timeout=3600)
                    stop.set()
                    watcher.join()
            assert all(r["status"] == "SUCCESS" for r in runs), runs
            makespan = max(r["endTime"] for r in runs) - launched
            mean = sum(r["endTime"] - r["startTime"] for r in runs) / n
            print(f"{n} | {serial:.1f} | {makespan:.1f} | {makespan / serial:.2f} | {mean:.1f} | {peak[0] / 1e9:.2f}",
                  flush=True)  # fmt: skip
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
