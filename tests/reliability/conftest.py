import fcntl
import os
import pickle
import time

import pytest

from tests.reliability.harness import close, copy_home, prepare_base, snapshot


@pytest.fixture(scope="session")
def shared(tmp_path_factory):
    """The prepared home and its uninterrupted close, made once for all test workers."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    folder = root / "reliability"
    folder.mkdir(exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "reference.pickle").exists():
            base = prepare_base(folder)
            reference = copy_home(base, folder / "reference")
            started = time.monotonic()
            done = close(reference)
            assert done.returncode == 0, done.stdout + done.stderr
            (reference / "duree.txt").write_text(f"{time.monotonic() - started:.1f}")
            (reference / "sortie.txt").write_text(done.stdout + done.stderr)  # what the operator saw
            (folder / "reference.pickle").write_bytes(pickle.dumps(snapshot(reference)))
    return folder


@pytest.fixture
def base(shared):
    return shared / "base"


@pytest.fixture
def expected(shared):
    return pickle.loads((shared / "reference.pickle").read_bytes())


@pytest.fixture
def reference(shared):
    return shared / "reference"


@pytest.fixture(scope="session")
def two_months(shared):
    """The base (2024-11 closed, 2024-12's inputs) with January's extracts and referential dropped too; and the
    reference: the same with December, then January, closed one after the other, both dated 2025-02-05 (as a
    backfill gives one issue date to all its runs). Made once for all test workers: (inputs home, books)."""
    from demo.generator import close_date, generate, write_activity, write_referential
    from tests.reliability.harness import MONTH, NEXT, books, trim

    folder = shared / "order"
    with open(shared / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "reference.pickle").exists():
            data = trim(generate("demo", 66))
            home = copy_home(shared / "base", folder / "inputs")
            write_referential(home, data, close_date(NEXT))
            write_activity(home, NEXT, data.activity[NEXT])
            reference = copy_home(home, folder / "reference")
            for month in (MONTH, NEXT):
                done = close(reference, month, on=close_date(NEXT))
                assert done.returncode == 0, done.stdout + done.stderr
            (folder / "reference.pickle").write_bytes(pickle.dumps(books(snapshot(reference))))
    return folder / "inputs", pickle.loads((folder / "reference.pickle").read_bytes())
