"""Months close in order and one at a time (DOMAIN "Accounting entries"; DESIGN "Dagster"): two consecutive
months closed at once, from the command line or as a backfill of two partitions through the Dagster daemon,
end with the documents, dates and files of closing them one after the other; a month closed before the one
before it is refused, naming the month to close first, and issues nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.reliability.harness import MONTH, close, copy_home, differences, snapshot, start, trim

NEXT = "2025-01"
ROOT = Path(__file__).resolve().parents[2]
BOOKS = ("documents", "document_lines", "document_corrections", "allocations", "letters", "entries")


@pytest.fixture(scope="module")
def two_months(shared, tmp_path_factory):
    """The base (2024-11 closed, 2024-12's inputs) with January's extracts and referential dropped too; and
    the same closed month after month, the reference."""
    from demo.generator import close_date, generate, write_activity, write_referential

    data = trim(generate("demo", 66))
    root = tmp_path_factory.mktemp("order")
    home = copy_home(shared / "base", root / "inputs")
    write_referential(home, data, close_date(NEXT))
    write_activity(home, NEXT, data.activity[NEXT])
    reference = copy_home(home, root / "reference")
    for month in (MONTH, NEXT):
        done = close(reference, month)
        assert done.returncode == 0, done.stdout + done.stderr
    return home, snapshot(reference)


def books(state: dict) -> dict:
    """What the closes issued and sent: the ledgers of the warehouse and every file of the two months."""
    return {
        key: value
        for key, value in state.items()
        if key in {f"table:{t}" for t in BOOKS}
        or (key.startswith((f"file:{MONTH}/", f"file:{NEXT}/")) and not key.endswith(("alertes.log", ".html")))
    }


def issued(home: Path, month: str) -> int:
    with duckdb.connect(str(home / "entrepot.duckdb"), read_only=True) as con:
        return con.execute("SELECT count(*) FROM documents WHERE run_month = ?", [month]).fetchone()[0]


def held_by_another_run(home: Path) -> bool:
    from assets.common.warehouse import Warehouse

    return Warehouse(home / "entrepot.duckdb").run_in_progress()


@pytest.mark.e2e
def test_two_consecutive_months_closed_at_once_end_as_closed_one_after_the_other(two_months, tmp_path):
    inputs, expected = two_months
    home = copy_home(inputs, tmp_path / "home")
    december = start(home, MONTH)
    deadline = time.monotonic() + 120
    while not held_by_another_run(home):  # December's run holds the association's run lock
        assert december.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)
    january = start(home, NEXT)  # started while December runs: it waits for it, from its first step
    outputs = [run.communicate(timeout=900) for run in (december, january)]
    assert [december.returncode, january.returncode] == [0, 0], outputs
    assert "une autre clôture de cette association est en cours ; attente de sa fin" in outputs[1][0]
    assert differences(books(expected), books(snapshot(home))) == []


@pytest.mark.e2e
def test_a_month_closed_before_the_one_before_it_is_refused_and_issues_nothing(two_months, tmp_path):
    inputs, expected = two_months
    home = copy_home(inputs, tmp_path / "home")
    refused = close(home, NEXT)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "mois_precedents_clotures" in refused.stdout
    assert "1 mois avant 2025-01 non clôturé(s) (2024-12) : clôturer d'abord 2024-12" in refused.stdout
    assert issued(home, NEXT) == 0 and not (home / "sorties" / NEXT / "comptabilite").exists()
    for month in (MONTH, NEXT):
        done = close(home, month)
        assert done.returncode == 0, done.stdout + done.stderr
    assert differences(books(expected), books(snapshot(home))) == []
    # a month before the first closed one cannot be closed any more
    earlier = close(home, "2024-10")
    assert earlier.returncode == 1 and "2024-10 précède le premier mois clôturé (2024-11)" in earlier.stdout


def _post(port: int, query: str, variables: dict | None) -> dict:
    import urllib.request

    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (localhost)
        return json.loads(response.read())


BACKFILL = """mutation($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }"""
RUNS = """{ runsOrError(filter: {tags: [{key: "dagster/backfill", value: "%s"}]}) { ... on Runs { results {
  runId status tags { key value } startTime endTime } } } }"""


@pytest.mark.e2e
def test_a_backfill_of_two_months_through_the_daemon_runs_them_in_order_one_at_a_time(two_months, tmp_path):
    from demo.generator import close_date
    from pipelines.cli import prepare_instance
    from tests.e2e.test_webserver import free_port

    inputs, _ = two_months
    home = copy_home(inputs, tmp_path / "home")
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env["RECETTES_HOME"] = str(home)
    saved = os.environ.get("DAGSTER_HOME")
    try:
        env["DAGSTER_HOME"] = str(prepare_instance(home))  # the data folder's instance: one run at a time
    finally:
        os.environ.pop("DAGSTER_HOME") if saved is None else os.environ.update(DAGSTER_HOME=saved)
    port = free_port()
    bin_dir = Path(sys.executable).parent
    processes = [
        subprocess.Popen(
            [str(bin_dir / "dagster-webserver"), "-w", str(ROOT / "workspace.yaml"), "-h", "127.0.0.1",
             "-p", str(port)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        ),
        subprocess.Popen(
            [str(bin_dir / "dagster-daemon"), "run", "-w", str(ROOT / "workspace.yaml")],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        ),
    ]  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                _post(port, "{ version }", None)
                break
            except OSError:
                assert time.monotonic() < deadline and all(p.poll() is None for p in processes)
                time.sleep(1)
        # the same issue date for both months, as a backfill gives one set of tags to all its runs
        params = {
            "selector": {
                "partitionSetName": "cloture_mensuelle_partition_set",
                "repositorySelector": {
                    "repositoryLocationName": "pipelines.definitions",
                    "repositoryName": "__repository__",
                },
            },
            "partitionNames": [f"{MONTH}-01", f"{NEXT}-01"],
            "tags": [{"key": "recettes/date_emission", "value": close_date(NEXT).isoformat()}],
        }
        launched = _post(port, BACKFILL, {"params": params})["data"]["launchPartitionBackfill"]
        assert launched["__typename"] == "LaunchBackfillSuccess", launched
        deadline = time.monotonic() + 900
        while True:
            runs = _post(port, RUNS % launched["backfillId"], None)["data"]["runsOrError"]["results"]
            if len(runs) == 2 and all(r["status"] in ("SUCCESS", "FAILURE", "CANCELED") for r in runs):
                break
            assert time.monotonic() < deadline, runs
            time.sleep(2)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
    assert [r["status"] for r in runs] == ["SUCCESS", "SUCCESS"], runs
    by_month = sorted(runs, key=lambda r: next(t["value"] for t in r["tags"] if t["key"] == "dagster/partition"))
    assert by_month[0]["endTime"] <= by_month[1]["startTime"], by_month  # one after the other, December first
    reference = copy_home(inputs, tmp_path / "reference")
    for month in (MONTH, NEXT):
        done = subprocess.run(
            [str(bin_dir / "recettes"), "run", "--month", month, "--date-emission", close_date(NEXT).isoformat()],
            env={k: v for k, v in env.items() if k != "DAGSTER_HOME"} | {"RECETTES_HOME": str(reference)},
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
    assert differences(books(snapshot(reference)), books(snapshot(home))) == []
    shutil.rmtree(home / "dagster", ignore_errors=True)
