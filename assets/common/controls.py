"""Controls (docs/rules.md "Controls and reconciliations"): their outcome and their record in the warehouse.

A control's function returns a `ControlOutcome`; the Dagster check that runs it records the outcome
(latest result per month and control) and rewrites the month's controls file (checks/wiring.py). No Dagster
here: the stages (the alerts of reporting) read the records too.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace

import duckdb

from assets.common.warehouse import run_sql

ERROR = "erreur"
WARNING = "avertissement"
ALL_MONTHS = "*"  # controls of the referential hold for every month


@dataclass(frozen=True)
class ControlOutcome:
    control: str
    stage: str
    severity: str  # erreur or avertissement
    passed: bool
    value: int | str
    detail: str
    examples: list[dict] = field(default_factory=list)  # a few rows explaining a failure, no names
    # a failed error-level control that concerns these establishments only holds them, not the month
    establishments: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        return "ok" if self.passed else "echec"

    @property
    def holds_some(self) -> bool:
        """It fails at error level on some establishments' inputs only: those are held, the others go on."""
        return not self.passed and self.severity == ERROR and bool(self.establishments)


def holding(outcome: ControlOutcome, codes: list[str] | set[str]) -> ControlOutcome:
    """A failed error-level control found on the inputs of `codes` only: it holds those establishments
    (docs/rules.md "Validation before issuing"), said in its detail; the others are prepared and issued."""
    if outcome.passed or outcome.severity != ERROR or not codes:
        return outcome
    held = tuple(sorted(codes))
    return replace(
        outcome,
        detail=f"{outcome.detail} — établissement(s) retenu(s) : {', '.join(held)} ; les autres suivent leur cours",
        establishments=held,
    )


def record(con: duckdb.DuckDBPyConnection, month: str, outcome: ControlOutcome, now: dt.datetime) -> None:
    run_sql(
        con,
        "checks/record_control.sql",
        {
            "month": month,
            "control": outcome.control,
            "stage": outcome.stage,
            "severity": outcome.severity,
            "status": outcome.status,
            "value": str(outcome.value),
            "detail": outcome.detail,
            "now": now,
            "examples": json.dumps(outcome.examples, ensure_ascii=False, default=str),
            "establishments": ",".join(outcome.establishments) or None,
        },
    )


CONTROLS_HEADER = ("controle", "severite", "statut", "valeur", "detail")


def month_controls(con: duckdb.DuckDBPyConnection, month: str) -> list[tuple]:
    """The controls of a month: its own, and the referential's (which hold for every month)."""
    return run_sql(con, "checks/month_controls.sql", {"month": month, "all": ALL_MONTHS})


def held_establishments(con: duckdb.DuckDBPyConnection, month: str) -> dict[str, list[str]]:
    """Per establishment, the failed error-level controls of `month` that hold it alone."""
    out: dict[str, list[str]] = {}
    for control, codes in run_sql(con, "checks/holding_controls.sql", {"month": month}):
        for code in codes.split(","):
            out.setdefault(code, []).append(control)
    return out


def failed_errors(con: duckdb.DuckDBPyConnection, month: str) -> list[tuple[str, str]]:
    """(control, detail) of the error-level controls that fail for `month`."""
    return [(c, d) for c, sev, status, _, d in month_controls(con, month) if sev == ERROR and status == "echec"]
