"""The garbage collector's thresholds while a run executes, and for a whole command of the CLI.

A close holds hundreds of thousands of small Python objects at a time (the rows of an activity extract, of
the accounting department's ledger, of the documents to plan) on top of what Dagster and Great Expectations
keep. With CPython's default thresholds (700, 10, 10) the collector ran 14 full collections in the process
closing month 24 of the `large` association, each walking some 460,000 live objects: 2.7 to 4.3 s of the
close. With `RUN_THRESHOLDS` for the run it runs 3, none when the whole command has them, and the close is
faster for about the same peak memory (bench/RESULTS.md, "What the figures owe to"). Reference counting still frees
everything that is not in a cycle at once; only the search for cycles runs less often.
"""

from __future__ import annotations

import gc

RUN_THRESHOLDS = (10_000, 20, 20)


def for_process() -> None:
    """For a whole command of the CLI, which is one batch: Dagster's and Great Expectations' imports create
    most of the objects the collector would walk again and again, and a run's `restore` then changes
    nothing (no full collection at the run's end)."""
    gc.set_threshold(*RUN_THRESHOLDS)


def for_run() -> tuple[int, int, int]:
    """Set the run's thresholds; returns those they replace, for `restore`."""
    previous = gc.get_threshold()
    gc.set_threshold(*RUN_THRESHOLDS)
    return previous


def restore(previous: tuple[int, int, int]) -> None:
    gc.set_threshold(*previous)
