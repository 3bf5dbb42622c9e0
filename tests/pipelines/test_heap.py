"""While a run executes, the garbage collector searches for cycles less often (assets/common/heap.py); the
thresholds are set once for the run and the process gets its own back when the run ends. A command of the
CLI keeps them for its whole process."""

import gc

import dagster as dg
import pytest

from assets.common.heap import RUN_THRESHOLDS
from assets.common.resources import WarehouseResource
from pipelines.cli import main


@pytest.mark.slow  # materializes an asset through Dagster
def test_a_run_sets_the_run_thresholds_once_and_gives_the_previous_ones_back(tmp_path):
    seen = []

    @dg.asset
    def first(warehouse: WarehouseResource) -> None:
        seen.append(gc.get_threshold())
        gc.set_threshold(5_000, 5, 5)  # what the second step sees tells whether setup ran again in between

    @dg.asset(deps=[first])
    def second(warehouse: WarehouseResource) -> None:
        seen.append(gc.get_threshold())

    before = gc.get_threshold()
    gc.set_threshold(900, 11, 12)
    try:
        result = dg.materialize(
            [first, second], resources={"warehouse": WarehouseResource(path=str(tmp_path / "entrepot.duckdb"))}
        )
        after = gc.get_threshold()
    finally:
        gc.set_threshold(*before)
    assert result.success
    assert seen == [RUN_THRESHOLDS, (5_000, 5, 5)]
    assert after == (900, 11, 12)


def test_a_command_keeps_the_run_thresholds_for_its_whole_process(tmp_path, capsys):
    before = gc.get_threshold()
    gc.set_threshold(900, 11, 12)
    try:
        code = main(["fec-check", str(tmp_path / "absent.txt")])  # any command: this one stops at once
        after = gc.get_threshold()
    finally:
        gc.set_threshold(*before)
    assert code == 2
    assert "absent.txt : illisible" in capsys.readouterr().err
    assert after == RUN_THRESHOLDS
