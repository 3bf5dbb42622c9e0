"""What every stage's checks share: running controls inside one warehouse transaction, recording their
outcomes, rewriting the month's controls file, and turning an outcome into a Dagster check result; and
declaring a check partitioned as its asset (`asset_check`, `check_spec`)."""

import contextlib
import datetime as dt
import warnings
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import polars as pl

from assets.common.controls import ALL_MONTHS, CONTROLS_HEADER, ERROR, ControlOutcome, month_controls, record
from assets.common.outputs import write_csv
from assets.common.resources import HomeResource, WarehouseResource, timestamp
from assets.reporting.controls_report import write_controls_report, write_index
from checks.descriptions import DESCRIPTIONS

REFERENTIAL = "referentiel"


@contextlib.contextmanager
def _partitioned_checks() -> Iterator[None]:
    """Dagster 1.13 warns, once per check, that a check's `partitions_def` is a preview feature: the warning is
    known (docs/architecture.md "Partitions") and kept out of every load of the definitions."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        yield


def check_spec(name: str, asset: dg.AssetsDefinition, blocking: bool = False) -> dg.AssetCheckSpec:
    """A check of `asset` for `@dg.multi_asset_check`, partitioned as its asset: a month-bound asset's check has
    one result per month (its own history in the UI); a check of the referential has one. Its description is the
    French one of `checks/descriptions.py`."""
    with _partitioned_checks():
        return dg.AssetCheckSpec(
            name,
            asset=asset,
            blocking=blocking,
            partitions_def=asset.partitions_def,
            description=DESCRIPTIONS[name],
        )


def asset_check(
    *, asset: dg.AssetsDefinition, **kwargs: Any
) -> Callable[[Callable[..., Any]], dg.AssetChecksDefinition]:
    """`@dg.asset_check`, partitioned as its asset (see `check_spec`), with its French description."""
    kwargs.setdefault("description", DESCRIPTIONS[kwargs["name"]])
    decorator = dg.asset_check(asset=asset, partitions_def=asset.partitions_def, **kwargs)

    def declare(fn: Callable[..., Any]) -> dg.AssetChecksDefinition:
        with _partitioned_checks():
            return decorator(fn)

    return declare


def examples(frame: pl.DataFrame, limit: int = 5) -> list[dict]:
    """A few rows as JSON-ready values (dates ISO, amounts as text, to the cent)."""
    return [
        {
            k: (v.isoformat() if isinstance(v, dt.date) else str(v) if isinstance(v, Decimal) else v)
            for k, v in row.items()
        }
        for row in frame.head(limit).to_dicts()
    ]


def write_month_controls(con: duckdb.DuckDBPyConnection, sorties: Path, month: str) -> Path:
    """Rewrite the month's controles.csv, its control report and the index of months: every check that
    records an outcome calls this, so the files always show the latest state of every control."""
    target = sorties / month / "controles" / "controles.csv"
    write_csv(target, CONTROLS_HEADER, month_controls(con, month))
    write_controls_report(con, sorties, month)
    write_index(sorties)
    return target


def markdown_table(rows: list[dict]) -> str:
    """Rows as a Markdown table, the way the UI shows check metadata (a `|` in a value escaped)."""
    columns = list(dict.fromkeys(k for row in rows for k in row))

    def cell(value: object) -> str:
        return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def check_result(outcome: ControlOutcome, context: dg.AssetCheckExecutionContext | None = None) -> dg.AssetCheckResult:
    """The Dagster result of a control: its count, detail and severity, and its example rows (identifiers
    only) as a Markdown table. A failed control is also said in the run's log, in French, before the run
    stops on it: at error level for an error, warning level for a warning."""
    metadata: dict = {
        "valeur": outcome.value if isinstance(outcome.value, int) else str(outcome.value),
        "detail": outcome.detail,
        "severite": outcome.severity,
    }
    if outcome.examples:
        metadata["exemples"] = dg.MetadataValue.md(markdown_table(outcome.examples))
    if context is not None and not outcome.passed:
        said = f"contrôle {outcome.control} en échec ({outcome.severity}, {outcome.value}) : {outcome.detail}"
        if outcome.examples:
            said += "\npremiers cas :\n" + markdown_table(outcome.examples)
        (context.log.error if outcome.severity == ERROR else context.log.warning)(said)
    if outcome.establishments:
        metadata["etablissements_retenus"] = ", ".join(outcome.establishments)
    # an error that holds some establishments only does not stop the run: they are held at the émission
    blocks = outcome.severity == ERROR and not outcome.holds_some
    return dg.AssetCheckResult(
        check_name=outcome.control,
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.ERROR if blocks else dg.AssetCheckSeverity.WARN,
        description=outcome.detail,
        metadata=metadata,
    )


def run_controls(
    home: HomeResource,
    warehouse: WarehouseResource,
    month: str | None,
    controls: Callable[..., list[ControlOutcome]],
) -> list[ControlOutcome]:
    """Evaluate, record (under `month`, or '*' for the referential) and rewrite the month's file."""
    with warehouse.transaction() as con:
        outcomes = controls(con)
        stamp = timestamp()
        for outcome in outcomes:
            where = ALL_MONTHS if outcome.stage == REFERENTIAL else month
            if where is None:
                raise ValueError(f"control {outcome.control} of stage {outcome.stage} run without a month")
            record(con, where, outcome, stamp)
        if month:
            write_month_controls(con, home.sorties, month)
    return outcomes
