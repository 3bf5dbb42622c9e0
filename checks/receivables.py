"""Controls of the receivables stage (docs/rules.md "Controls and reconciliations"): pending funding files older than
90 days, and the phone log's rows set aside. Warnings: the month goes on, the director is told."""

from decimal import Decimal

import dagster as dg
import duckdb

from assets.common.controls import WARNING, ControlOutcome
from assets.common.months import month_end
from assets.common.outputs import french_amount
from assets.common.partitions import month_of
from assets.common.resources import POOL, HomeResource, WarehouseResource
from assets.common.warehouse import query_frame
from assets.receivables.assets import aged_balance, reminders
from checks.ingest import control_quarantine
from checks.wiring import asset_check, check_result, examples, run_controls

RECEIVABLES = "recouvrement"


def control_old_pending_files(con: duckdb.DuckDBPyConnection, month: str) -> ControlOutcome:
    frame = query_frame(con, "checks/receivables/old_pending_files.sql", {"end": month_end(month)})
    total = sum(frame["montant_retenu"].to_list(), Decimal("0.00"))
    return ControlOutcome(
        "dossiers_en_instruction_anciens",
        RECEIVABLES,
        WARNING,
        frame.is_empty(),
        frame.height,
        f"{frame.height} dossier(s) d'aide en instruction depuis plus de 90 jours, {french_amount(total)} € retenus"
        if frame.height
        else "aucun dossier en instruction depuis plus de 90 jours",
        examples(frame),
    )


# blocking only orders it: a warning never stops the assets after it, which (the director's report) wait for it
@asset_check(asset=aged_balance, name="dossiers_en_instruction_anciens", blocking=True, pool=POOL)
def pending_files_control(
    context: dg.AssetCheckExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    """Pending funding files that hold billed days, older than 90 days at the month's end (warning)."""
    month = month_of(context.partition_key)
    (outcome,) = run_controls(home, warehouse, month, lambda con: [control_old_pending_files(con, month)])
    return check_result(outcome, context)


@asset_check(asset=reminders, name="appels_lignes_rejetees", blocking=True, pool=POOL)
def call_log_control(
    context: dg.AssetCheckExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    """Rows of relances/appels.csv set aside (warning): a call that is not read is not acted on."""
    month = month_of(context.partition_key)
    (outcome,) = run_controls(
        home,
        warehouse,
        month,
        lambda con: [control_quarantine(con, "relances", month, "appels_lignes_rejetees", RECEIVABLES)],
    )
    return check_result(outcome, context)
