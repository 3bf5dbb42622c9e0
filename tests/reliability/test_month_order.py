"""Months close in order and one at a time (docs/rules.md "Accounting entries"; docs/architecture.md "Dagster"), from
the command line: two consecutive months closed at once end with the documents, dates and files of closing them one
after the other; a month closed before the one before it is refused, naming the month to close first, and issues
nothing. (Through the Dagster daemon: test_month_order_daemon.py.)"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from tests.reliability.harness import MONTH, NEXT, books, close, copy_home, differences, snapshot, start


def issued(home: Path, month: str) -> int:
    with duckdb.connect(str(home / "entrepot.duckdb"), read_only=True) as con:
        return con.execute("SELECT count(*) FROM documents WHERE run_month = ?", [month]).fetchone()[0]


def held_by_another_run(home: Path) -> bool:
    from assets.common.warehouse import Warehouse

    return Warehouse(home / "entrepot.duckdb").run_in_progress()


@pytest.mark.e2e
def test_two_consecutive_months_closed_at_once_end_as_closed_one_after_the_other(two_months, tmp_path):
    from demo.generator import close_date

    inputs, expected = two_months
    home = copy_home(inputs, tmp_path / "home")
    december = start(home, MONTH, on=close_date(NEXT))
    deadline = time.monotonic() + 120
    while not held_by_another_run(home):  # December's run holds the association's run lock
        assert december.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)
    january = start(home, NEXT, on=close_date(NEXT))  # started while December runs: it waits, from its first step
    outputs = [run.communicate(timeout=900) for run in (december, january)]
    assert [december.returncode, january.returncode] == [0, 0], outputs
    assert "une autre clôture de cette association est en cours ; attente de sa fin" in outputs[1][0]
    assert differences(expected, books(snapshot(home))) == []


@pytest.mark.e2e
def test_a_month_closed_before_the_one_before_it_is_refused_and_issues_nothing(two_months, tmp_path):
    inputs, _ = two_months
    home = copy_home(inputs, tmp_path / "home")
    refused = close(home, NEXT)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "mois_precedents_clotures" in refused.stdout
    assert "1 mois avant 2025-01 non clôturé(s) (2024-12) : clôturer d'abord 2024-12" in refused.stdout
    assert issued(home, NEXT) == 0 and not (home / "sorties" / NEXT / "comptabilite").exists()
    # a month before the association's first (its first activity) is not a month of its own: refused unrun
    earlier = close(home, "2024-10")
    assert earlier.returncode == 2, earlier.stdout + earlier.stderr
    assert "2024-10 précède le premier mois de l'association, 2024-11" in earlier.stderr
    assert issued(home, "2024-10") == 0
