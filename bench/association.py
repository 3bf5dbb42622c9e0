"""The association the benchmark closes: the demo generator's (or the `large` plan sized for a number of
residents), played month after month by demo.run, in a data folder only this benchmark wipes; and the copy of
the code the closes run from (--snapshot)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from bench.sampler import ROOT

MARKER = ".large_close_bench"


def sized_data(scale: str, residents: int | None, seed: int):
    """The demo generator's data; with `residents`, the `large` plan with its establishment counts scaled."""
    from demo import generator
    from demo.records import DemoData

    if residents is None:
        return generator.generate(scale, seed)
    large_residents = 11961  # generate("large", 66): 200 establishments
    factor = residents / large_residents
    if abs(factor - 1) < 0.02:
        return generator.generate("large", seed)

    b = generator._Builder("large", seed)
    yaml_text = generator.settings_yaml(b.rng)
    b.build_establishments(factor)
    b.build_payers()
    b.build_population()
    b.build_mandates()
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
