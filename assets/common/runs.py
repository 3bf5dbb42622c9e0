"""Runs left behind by a process that died (killed, power cut, out of memory).

Dagster records a run as started and gives its steps the slot of the `warehouse` pool; a process killed in
the middle never says it ended, so its run stays "started" and its slot stays taken, and the next close
would wait for that slot for ever. Each run is tagged with the process that executes it (host, pid and the
process's start time, so a reused pid is not mistaken for it); before a close, and from the sensor
`interrupted_runs` under the UI, a started run whose process is gone is marked failed and its slots freed.
"""

from __future__ import annotations

import os
import socket

import dagster as dg

PROCESS_TAG = "recettes/processus"
UNFINISHED = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.CANCELING]


def _start_ticks(pid: int) -> str | None:
    """The start time of process `pid` in clock ticks since boot (/proc), None if there is no such process."""
    try:
        stat = open(f"/proc/{pid}/stat", encoding="ascii").read()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22; the name in parentheses may hold spaces


def this_process() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid)}"


def is_alive(process: str) -> bool:
    """Whether the process a tag names still runs; a process of another host is assumed alive."""
    host, _, rest = process.partition(":")
    pid, _, ticks = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    return _start_ticks(int(pid)) == ticks


def recover_interrupted_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed the unfinished runs whose process is gone, and free their pool slots; their run ids."""
    recovered = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=UNFINISHED)):
        process = run.tags.get(PROCESS_TAG)
        if not process or is_alive(process):
            continue
        instance.report_run_failed(
            run, f"processus {process} interrompu avant la fin du run : run marqué en échec, verrous libérés"
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        recovered.append(run.run_id)
    return recovered


def tag_run(instance: dg.DagsterInstance | None, run: dg.DagsterRun | None) -> None:
    """Record the executing process on a run launched without the tag (from the UI)."""
    if instance is not None and run is not None and PROCESS_TAG not in run.tags:
        instance.add_run_tags(run.run_id, {PROCESS_TAG: this_process()})
