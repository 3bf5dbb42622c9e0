"""Nothing left running after a close launched as the UI launches it: the daemon's run launcher starts the run
in a process of the code server, which starts the rendering workers; once the run has finished, succeeded,
failed or been cancelled, none of them is left (each close from the UI used to leave the run process and its
two workers behind, about 0.9 GB)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from assets.common.partitions import partition_of
from assets.common.resources import DATE_TAG, VALIDATE_TAG
from demo.generator import close_date, generate, write_activity, write_referential, write_settings
from pipelines.close import prepare_instance
from pipelines.jobs import CLOSE_MONTH
from tests.processes import descendants

pytestmark = pytest.mark.slow  # closes a month through dagster-daemon (about a minute each)

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MONTH = "2024-11"  # the demo's first month: 161 invoices, rendered by a pool of two workers


def _code_server(command: str) -> bool:
    return "dagster api grpc" in command


def _runs_processes(daemon: int) -> dict[int, tuple[int, str, int]]:
    """The daemon's descendants but its code servers (and the multiprocessing resource tracker each starts with
    its first run, which lives as long as it): the run processes and everything they started."""
    tree = descendants(daemon)
    servers = {pid for pid, (_, command, _) in tree.items() if _code_server(command)}
    return {
        pid: row
        for pid, row in tree.items()
        if pid not in servers and not (row[0] in servers and "resource_tracker" in row[1])
    }


def _rendering_workers(daemon: int) -> int:
    """Processes spawned by a run process, itself spawned by a code server."""
    tree = descendants(daemon)
    spawned = {pid: ppid for pid, (ppid, command, _) in tree.items() if "spawn_main" in command}
    runs = {pid for pid, ppid in spawned.items() if ppid in tree and _code_server(tree[ppid][1])}
    return sum(1 for ppid in spawned.values() if ppid in runs)


def _shown(processes: dict[int, tuple[int, str, int]]) -> str:
    return "; ".join(f"{pid} ({rss // 1024} Mo) {command[:90]}" for pid, (_, command, rss) in processes.items())


@pytest.fixture
def daemon(tmp_path, monkeypatch):
    """A demo association's first month, and `dagster-daemon run` on it as `recettes ui` starts it."""
    demo = generate("demo", 66)
    home = tmp_path / "home"
    write_settings(home, demo)
    write_referential(home, demo, close_date(MONTH))
    write_activity(home, MONTH, demo.activity[MONTH])
    monkeypatch.setenv("RECETTES_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    prepare_instance(home)
    log = (tmp_path / "daemon.log").open("w")
    process = subprocess.Popen(
        [BIN / "dagster-daemon", "run", "-w", ROOT / "workspace.yaml"],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its process group holds whatever it starts, to be stopped whole below
    )
    try:
        yield home, process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        time.sleep(1)
        try:
            os.killpg(process.pid, signal.SIGKILL)  # what a failing test left behind in the group
        except ProcessLookupError:
            pass
        log.close()


def _launch(month: str) -> None:
    """As the Launchpad does: the run is queued in the instance, and the daemon launches it."""
    tags = {
        "dagster/partition": partition_of(month),
        DATE_TAG: close_date(month).isoformat(),
        VALIDATE_TAG: "Claire Martin",  # prepared, validated and issued in the one run: the pool renders
    }
    command = ["job", "launch", "-w", ROOT / "workspace.yaml", "-j", CLOSE_MONTH, "--tags", json.dumps(tags)]
    subprocess.run(
        [BIN / "dagster", *command],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: documents are rendered in process, no pool")
@pytest.mark.parametrize("outcome", ["SUCCESS", "FAILURE", "CANCELED"])
def test_nothing_of_a_close_launched_by_the_daemon_is_left_running_once_it_has_finished(daemon, outcome):
    home, launcher = daemon
    if outcome == "FAILURE":  # a corrupted bank statement: the blocking control banque_fichiers_lisibles fails
        (home / "entrees" / "banque").mkdir(parents=True)
        (home / "entrees" / "banque" / "releve.xml").write_bytes(b"<?xml version='1.0'?><Document><BkToCstmrStmt>")
    before = _runs_processes(launcher)
    assert before == {}, _shown(before)
    _launch(MONTH)
    workers = 0
    with dg.DagsterInstance.get() as instance:
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            (run,) = instance.get_runs(limit=1)
            if run.is_finished:
                break
            workers = max(workers, _rendering_workers(launcher))
            if outcome == "CANCELED" and workers >= 2 and run.status == dg.DagsterRunStatus.STARTED:
                assert instance.run_launcher.terminate(run.run_id)  # the run page's « Terminate »
            time.sleep(0.3)
        assert run.is_finished, "the run did not finish"
        assert run.status.value == outcome
    assert workers >= 2, "the documents were not rendered by the pool"
    deadline = time.monotonic() + 60  # the run process ends a moment after the run is marked finished
    left = _runs_processes(launcher)
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = _runs_processes(launcher)
    assert left == {}, f"{len(left)} process(es) left after the run: {_shown(left)}"
