"""A run whose process died is marked failed and gives back its slot of the warehouse pool; a run whose
process lives is left alone."""

import socket
import subprocess

import dagster as dg
from dagster._core.storage.dagster_run import DagsterRun

from assets.common.runs import PROCESS_TAG, _start_ticks, is_alive, recover_interrupted_runs, this_process


def dead_process() -> str:
    child = subprocess.Popen(["sleep", "5"])
    ticks = _start_ticks(child.pid)
    child.kill()
    child.wait()
    return f"{socket.gethostname()}:{child.pid}:{ticks}"


def started_run(instance, run_id: str, process: str) -> None:
    instance.add_run(
        DagsterRun(
            job_name="cloture_mensuelle", run_id=run_id, status=dg.DagsterRunStatus.STARTED, tags={PROCESS_TAG: process}
        )
    )


def test_a_dead_process_run_is_failed_and_frees_its_slot_a_live_one_is_kept(tmp_path):
    with dg.DagsterInstance.local_temp(str(tmp_path)) as instance:
        storage = instance.event_log_storage
        storage.set_concurrency_slots("warehouse", 1)
        started_run(instance, "mort", dead_process())
        started_run(instance, "vivant", this_process())
        assert storage.claim_concurrency_slot("warehouse", "mort", "bank_lines").is_claimed
        assert not storage.claim_concurrency_slot("warehouse", "vivant", "bank_lines").is_claimed
        assert recover_interrupted_runs(instance) == ["mort"]
        assert instance.get_run_by_id("mort").status == dg.DagsterRunStatus.FAILURE
        assert instance.get_run_by_id("vivant").status == dg.DagsterRunStatus.STARTED
        assert storage.get_concurrency_info("warehouse").active_run_ids == set()
        assert recover_interrupted_runs(instance) == []


def test_a_reused_pid_or_another_host_is_not_taken_for_the_process():
    host, pid, ticks = this_process().split(":")
    assert is_alive(this_process())
    assert not is_alive(f"{host}:{pid}:{int(ticks) + 1}")  # the same pid started at another time
    assert is_alive(f"autre-machine:{pid}:1")  # cannot be checked from here: assumed alive
