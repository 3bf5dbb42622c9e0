"""Measuring a process and its children: wall time, CPU (user + sys, of the process, its live children and
those it waited for) and resident memory, sampled from /proc; a process tree that uses no CPU for a while is
deadlocked and killed."""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = ROOT  # --snapshot: the closes run from a copy of the code taken when the benchmark starts (bench.large_close)

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _proc_tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            continue
    return pids


def _stat(pid: int) -> tuple[int, int, int]:
    """(own CPU ticks, reaped children's CPU ticks, RSS bytes) of a process; zeros when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/statm") as f:
            rss = int(f.read().split()[1]) * PAGE
    except (OSError, IndexError):
        return 0, 0, 0
    # fields[0] is the state (field 3): utime, stime, cutime, cstime are fields 14-17
    return int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14]), rss


@dataclass
class Sample:
    t: float  # time.time()
    cpu: float  # seconds, the process and its children (live and reaped)
    rss: int  # bytes, the process and its live children
    main_rss: int


@dataclass
class Measured:
    wall: float
    cpu: float  # user + sys of the child and every descendant it waited for (wait4)
    maxrss_mb: float  # the main process's largest sampled RSS (wait4's ru_maxrss counts the harness's pages
    # the child shared between fork and exec, about the size of the generated data)
    peak_mb: float  # the largest sampled sum over the process tree
    code: int
    output: str
    started: float
    ended: float
    samples: list[Sample] = field(default_factory=list)
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after

    @property
    def exit_code(self) -> int:  # what demo.run.play reads of a close's result
        return self.code


def measure(args: list[str], env: dict, interval: float = 0.05, stall: float = 180.0) -> Measured:
    """Run `args`, sampling the process tree's CPU and RSS every `interval` seconds; a process tree that uses
    no CPU for `stall` seconds is deadlocked: it is killed and its exit code is -9."""
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryFile() as out:
        started = time.time()
        t0 = time.perf_counter()
        proc = subprocess.Popen(args, env=env, cwd=CODE, stdout=out, stderr=subprocess.STDOUT)
        samples: list[Sample] = []
        done = threading.Event()

        def sampler() -> None:
            last_cpu, busy_at = 0.0, time.time()
            while not done.is_set():
                tree = _proc_tree(proc.pid)
                stats = [_stat(p) for p in tree]
                own = sum(s[0] for s in stats)
                reaped = stats[0][1]  # the main process's waited-for children (recycled rendering workers)
                cpu = max(last_cpu, (own + reaped) / TICKS)
                if cpu - last_cpu > 0.02:
                    busy_at = time.time()
                elif time.time() - busy_at > stall:
                    print(f"  no CPU used for {stall:.0f} s: deadlocked, killed (process {proc.pid})", flush=True)
                    for pid in reversed(tree):
                        try:
                            os.kill(pid, 9)
                        except OSError:
                            pass
                    busy_at = time.time()
                last_cpu = cpu
                if stats[0][2]:
                    samples.append(Sample(time.time(), cpu, sum(s[2] for s in stats), stats[0][2]))
                done.wait(interval)

        thread = threading.Thread(target=sampler, daemon=True)
        thread.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        ended = time.time()
        done.set()
        thread.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode("utf-8", errors="replace")
    peak = max((s.rss for s in samples), default=0) / 2**20
    return Measured(
        wall,
        usage.ru_utime + usage.ru_stime,
        max((s.main_rss for s in samples), default=0) / 2**20,
        peak,
        proc.returncode,
        output,
        started,
        ended,
        samples,
        (load_before, os.getloadavg()[0]),
    )


def _cpu_at(samples: list[Sample], t: float) -> float:
    """The cumulative CPU at time t, interpolated between samples."""
    if not samples or t <= samples[0].t:
        return samples[0].cpu if samples else 0.0
    for a, b in zip(samples, samples[1:], strict=False):
        if a.t <= t <= b.t:
            return a.cpu + (b.cpu - a.cpu) * (t - a.t) / (b.t - a.t) if b.t > a.t else b.cpu
    return samples[-1].cpu


def _peak_between(samples: list[Sample], start: float, end: float) -> float:
    inside = [s.rss for s in samples if start <= s.t <= end]
    if not inside:  # a step shorter than the interval: the nearest sample
        nearest = min(samples, key=lambda s: abs(s.t - (start + end) / 2), default=None)
        inside = [nearest.rss] if nearest else [0]
    return max(inside) / 2**20
