"""Row-level expectations through Great Expectations 1.x, called directly on frames.

GX takes about 5 s and 270 MB to import: it is imported here, lazily, on the first validation, and one
ephemeral context serves the whole process. It validates pandas frames (Polars frames are converted;
its SQL path does not work on DuckDB).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from great_expectations.core.batch_definition import BatchDefinition


@dataclass(frozen=True)
class Expectation:
    """An expectation by GX class name and arguments, e.g. ("ExpectColumnValuesToBeInSet", {...})."""

    kind: str
    kwargs: dict[str, Any]


@dataclass(frozen=True)
class ExpectationResult:
    expectation: Expectation
    success: bool
    unexpected_count: int
    unexpected_rows: list[int]  # row positions in the frame, at most `examples`


@cache
def _context() -> tuple[ModuleType, BatchDefinition]:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("recettes")
    return gx, source.add_dataframe_asset("frame").add_batch_definition_whole_dataframe("whole")


def validate(frame: pl.DataFrame, expectations: list[Expectation], examples: int = 5) -> list[ExpectationResult]:
    """Validate `frame` against `expectations`; each result carries a few offending row positions."""
    gx, batch_definition = _context()
    if frame.is_empty():
        return [ExpectationResult(e, True, 0, []) for e in expectations]
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame.to_pandas()})
    suite = gx.ExpectationSuite(name="recettes")
    for index, e in enumerate(expectations):
        suite.add_expectation(getattr(gx.expectations, e.kind)(**e.kwargs, meta={"position": index}))
    outcome = batch.validate(suite, result_format={"result_format": "COMPLETE"})
    results: list[ExpectationResult | None] = [None] * len(expectations)
    for r in outcome.results:  # GX does not keep the suite's order
        _raise_if_broken(r.exception_info or {})
        index = r.expectation_config.meta["position"]
        found = r.result or {}
        rows = [int(i) for i in (found.get("unexpected_index_list") or [])][:examples]
        results[index] = ExpectationResult(
            expectations[index], bool(r.success), int(found.get("unexpected_count") or 0), rows
        )
    done = [r for r in results if r is not None]
    if len(done) != len(expectations):
        missing = [e.kind for e, r in zip(expectations, results, strict=True) if r is None]
        raise RuntimeError(f"expectation without a result: {', '.join(missing)}")
    return done


def _raise_if_broken(info: dict) -> None:
    """An expectation that could not be computed is a bug, never a silent failure."""
    reports = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    for report in reports:
        if report.get("raised_exception"):
            raise RuntimeError(f"expectation could not be computed: {report.get('exception_message')}")
