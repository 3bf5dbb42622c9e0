"""The rendering pool: results in order, workers replaced after `recycle` documents each, and no deadlock
when every worker has reached that limit with work still queued (Python 3.11's max_tasks_per_child did)."""

import os
import threading

import pytest

from reports import render


def square_and_pid(renderer, x):
    return x * x, os.getpid()


@pytest.mark.slow  # starts and replaces worker processes for 400 tasks
def test_many_more_documents_than_the_workers_recycle_limit_all_come_back_in_order():
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
