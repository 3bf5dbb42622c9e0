"""The rendering pool: results in order, workers replaced after `recycle` documents each, and no deadlock
when every worker has reached that limit with work still queued (Python 3.11's max_tasks_per_child did)."""

import contextlib
import os
import signal
import threading
from pathlib import Path

import pytest

from reports import render


def square_and_pid(renderer, x):
    return x * x, os.getpid()


@pytest.mark.slow  # starts and replaces worker processes for 400 tasks
def test_many_more_documents_than_the_workers_recycle_limit_all_come_back_in_order():
    render._retire_pool()  # a pool left by an earlier test of this process would add its workers
    done = []
    thread = threading.Thread(
        target=lambda: done.extend(render.render_all(square_and_pid, range(400), workers=2, recycle=20)), daemon=True
    )
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), "the rendering pool stopped with work queued"
    assert [value for value, _ in done] == [x * x for x in range(400)]
    # 2 workers of 20 documents each: a pool per 40 documents, 10 pools, so 10 to 20 distinct workers (a
    # pool's second worker may find no chunk left); the old pool, max_tasks_per_child=20 with chunks of 8,
    # stopped for good after 2 x 20 x 8 = 320
    assert 10 <= len({pid for _, pid in done}) <= 20
    render._retire_pool()


def font_folder_and_pid(renderer, x):
    return str(renderer.fonts._folder), os.getpid()  # WeasyPrint's temporary folder of the @font-face fonts


def test_the_workers_leave_no_font_folder_behind():
    render._retire_pool()
    done = list(render.render_all(font_folder_and_pid, range(40), workers=2))
    folders = {folder for folder, _ in done}
    assert len({pid for _, pid in done}) == len(folders) >= 1  # one folder per worker
    assert all(Path(f).name.startswith("weasyprint-") and Path(f).is_dir() for f in folders)
    render._retire_pool()  # the workers exit
    assert [f for f in folders if Path(f).exists()] == []


def weasyprint_set_up(renderer, x):
    import sys

    return "weasyprint" in sys.modules, renderer is not None, os.getpid()


def test_a_worker_sets_weasyprint_up_only_for_work_that_needs_it():
    render._retire_pool()
    checked = list(render.render_all(weasyprint_set_up, range(40), workers=2, renderer_needed=False))
    assert {(imported, given) for imported, given, _ in checked} == {(False, False)}
    rendered = list(render.render_all(weasyprint_set_up, range(40), workers=2))
    assert {(imported, given) for imported, given, _ in rendered} == {(True, True)}
    assert {pid for *_, pid in rendered} & {pid for *_, pid in checked}  # the same workers, set up at last
    render._retire_pool()


def what_it_was_given(renderer, payload):
    return renderer, payload, os.getpid()


def test_the_workers_started_ahead_are_the_ones_that_take_the_work(monkeypatch):
    monkeypatch.setattr(render.os, "cpu_count", lambda: 2)
    render._retire_pool()
    assert render.start_workers(what_it_was_given, 39) == [] and render._pool is None  # 39 stay in process
    started = render.start_workers(what_it_was_given, 40)
    pool = render._pool
    ahead = [future.result(timeout=120) for future in started]
    assert len(ahead) == 2 and {(renderer, payload) for renderer, payload, _ in ahead} == {(None, None)}
    done = list(render.render_all(square_and_pid, range(40), renderer_needed=False))
    assert render._pool is pool  # the pool started ahead, not a new one
    assert [value for value, _ in done] == [x * x for x in range(40)]
    assert {pid for _, pid in done} | {pid for *_, pid in ahead} <= set(pool._processes)
    render._retire_pool()


def _children(pid: int) -> set[int]:
    found = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            found |= {int(c) for c in open(f"/proc/{pid}/task/{task}/children").read().split()}
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _render_then_return(workers_out) -> None:
    """A run launched from the UI: a multiprocessing child of the code server that renders, then returns."""
    list(render.render_all(square_and_pid, range(60), workers=2))
    workers_out.put(sorted(_children(os.getpid())))


@pytest.mark.slow  # starts a process and its two rendering workers
def test_a_multiprocessing_child_that_rendered_exits_and_its_workers_with_it():
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")  # as Dagster's code server starts a run
    workers = ctx.Queue()
    child = ctx.Process(target=_render_then_return, args=(workers,))
    child.start()
    seen = workers.get(timeout=120)
    child.join(timeout=30)
    alive = child.is_alive()
    if alive:
        child.kill()  # before the assertion, so that a failure leaves nothing behind
        for pid in seen:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert len(seen) >= 2, "the rendering pool was not started"
    assert not alive, "the process waited for ever for its idle rendering workers at exit"
    assert child.exitcode == 0
    assert not [pid for pid in seen if _alive(pid)]


WATCHED = """
import os, sys, time
sys.path.insert(0, {root!r})
from reports import render
from tests.common.test_render_pool import square_and_pid
list(render.render_all(square_and_pid, range(60), workers=2))
print(" ".join(str(p) for p in render._pool._processes), flush=True)
time.sleep(600)
"""


@pytest.mark.slow  # starts a process and its two rendering workers
def test_the_rendering_workers_end_when_the_process_that_started_them_is_killed():
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[2])
    parent = subprocess.Popen([sys.executable, "-c", WATCHED.format(root=root)], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    workers = [int(p) for p in parent.stdout.readline().split()]
    parent.kill()  # as the kernel's out-of-memory killer does, or a run terminated by force
    parent.wait()
    parent.stdout.close()
    deadline = time.monotonic() + 15
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [p for p in workers if _alive(p)]
    for pid in left:  # before the assertion, so that a failure leaves nothing behind
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert len(workers) == 2, "the rendering pool was not started"
    assert not left, "rendering workers outlived the process that started them"
