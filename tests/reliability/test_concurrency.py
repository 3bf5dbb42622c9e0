"""Closes started together, of the same month and of two months: one waits for the other (the pool
`warehouse` of the Dagster instance, and the warehouse's lock file), nothing is issued twice, and the books
end as after closes run one after the other."""

import subprocess

import pytest

from tests.reliability.harness import FIRST, MONTH, copy_home, differences, leftovers, snapshot, start
from tests.reliability.test_crash import numbers_are_continuous, verify

BOOKS = {
    f"table:{t}"
    for t in (
        "documents",
        "document_lines",
        "document_files",
        "allocations",
        "letters",
        "entries",
        "accounting_exports",
        "reminders",
        "audit_chain",
    )
}
BOOKS |= {
    f"file:2024-12/{f}"
    for f in (
        "factures/registre.csv",
        "factures/lignes.csv",
        "comptabilite/ecritures_2024-12.txt",
        "lettrage/rapprochements.csv",
        "recouvrement/balance_agee.csv",
    )
}


def together(home, months) -> list[tuple[int, str]]:
    runs = [start(home, month) for month in months]
    results = []
    for run in runs:
        out, err = run.communicate(timeout=900)
        results.append((run.returncode, out + err))
    return results


@pytest.mark.e2e
def test_three_closes_started_together_issue_once_and_leave_the_books_of_closes_in_turn(base, expected, tmp_path):
    """The second month twice and the first month again, all at once: one waits for the other at each step."""
    home = copy_home(base, tmp_path / "home")
    results = together(home, [MONTH, MONTH, FIRST])
    assert [code for code, _ in results] == [0, 0, 0], results
    # which close read a shared input first (bank statements, the ledger) depends on how their steps
    # interleaved; the books must not
    books = {k: v for k, v in expected.items() if k in BOOKS}
    assert differences(books, {k: v for k, v in snapshot(home).items() if k in BOOKS}) == []
    assert numbers_are_continuous(home) == [] and leftovers(home) == []
    checked = verify(home)
    assert checked.returncode == 0, checked.stdout


@pytest.mark.slow  # runs the close job through Dagster
def test_a_run_that_cannot_get_the_warehouse_says_so(tmp_path):
    """The lock's message when another process keeps the warehouse longer than the wait allowed."""
    from assets.common.warehouse import Warehouse, WarehouseBusy

    path = tmp_path / "entrepot.duckdb"
    holder = subprocess.Popen(
        ["python", "-c", f"import fcntl,os,time; f=os.open({str(path) + '.lock'!r}, os.O_RDWR|os.O_CREAT); "
         "fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(WarehouseBusy, match="l'entrepôt est occupé par un autre traitement depuis 1 s"):
            with Warehouse(path, lock_timeout_s=1).connect():
                pass
    finally:
        holder.kill()
        holder.wait()
    with Warehouse(path, lock_timeout_s=1).connect() as con:  # released when its holder died
        assert con.execute("SELECT 1").fetchone() == (1,)
