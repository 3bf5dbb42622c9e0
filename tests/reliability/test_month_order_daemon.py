"""Months close in order and one at a time through the Dagster daemon: a backfill of two months launched
through the webserver's GraphQL API runs them one after the other, December first, and ends with the books of
closing them one after the other from the command line."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.close import login
from tests.e2e.deployment import post
from tests.reliability.harness import MONTH, NEXT, books, copy_home, differences, snapshot

ROOT = Path(__file__).resolve().parents[2]


NAMES = ("webserver.log", "daemon.log")
BACKFILL = """mutation($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }"""
RUNS = """{ runsOrError(filter: {tags: [{key: "dagster/backfill", value: "%s"}]}) { ... on Runs { results {
  runId status tags { key value } startTime endTime } } } }"""


@pytest.mark.e2e
def test_a_backfill_of_two_months_through_the_daemon_runs_them_in_order_one_at_a_time(two_months, tmp_path):
    from demo.generator import close_date
    from pipelines.close import prepare_instance
    from tests.e2e.test_webserver import free_port

    inputs, expected = two_months
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
    logs = [open(tmp_path / name, "w") for name in ("webserver.log", "daemon.log")]
    processes = [
        subprocess.Popen(
            [str(bin_dir / "dagster-webserver"), "-w", str(ROOT / "workspace.yaml"), "-h", "127.0.0.1",
             "-p", str(port)],
            cwd=ROOT, env=env, stdout=logs[0], stderr=subprocess.STDOUT, start_new_session=True,
        ),
        subprocess.Popen(
            [str(bin_dir / "dagster-daemon"), "run", "-w", str(ROOT / "workspace.yaml")],
            cwd=ROOT, env=env, stdout=logs[1], stderr=subprocess.STDOUT, start_new_session=True,
        ),
    ]  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                post(port, "{ version }", None)
                break
            except OSError:
                alive = all(p.poll() is None for p in processes)
                assert time.monotonic() < deadline and alive, [(tmp_path / n).read_text()[-3000:] for n in NAMES]
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
            "tags": [
                {"key": "recettes/date_emission", "value": close_date(NEXT).isoformat()},
                {"key": "recettes/valider_par", "value": login()},  # as `recettes run` validates
            ],
        }
        launched = post(port, BACKFILL, {"params": params})["data"]["launchPartitionBackfill"]
        assert launched["__typename"] == "LaunchBackfillSuccess", launched
        deadline = time.monotonic() + 900
        while True:
            runs = post(port, RUNS % launched["backfillId"], None)["data"]["runsOrError"]["results"]
            if len(runs) == 2 and all(r["status"] in ("SUCCESS", "FAILURE", "CANCELED") for r in runs):
                break
            assert time.monotonic() < deadline, runs
            time.sleep(2)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
        for log in logs:
            log.close()
    assert [r["status"] for r in runs] == ["SUCCESS", "SUCCESS"], runs
    by_month = sorted(runs, key=lambda r: next(t["value"] for t in r["tags"] if t["key"] == "dagster/partition"))
    assert by_month[0]["endTime"] <= by_month[1]["startTime"], by_month  # one after the other, December first
    assert differences(expected, books(snapshot(home))) == []  # as closed one after the other, on the same date
