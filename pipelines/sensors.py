"""Sensors: alerts when a run that touches a month finishes with failed steps or failed controls, whatever
launched it in the UI (the job `cloture_mensuelle`, a backfill, or assets materialized from the Assets page,
which run under Dagster's own asset job): the sensors watch every job of the code location and keep the runs
with a month partition. They write sorties/AAAA-MM/alertes.log and send the e-mail of `alertes.smtp` through
`assets.reporting.alerts`; the `recettes` command calls the same function.

In a demo home (made by `recettes generate` or `recettes demo`), `demo_after_close` plays the demo after each
month closed from the UI: the payers, the accounting department and the call centre act as `recettes demo`
makes them act between two closes, through the same code (`demo.run.after_ui_close`)."""

import re
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg

from assets.common.partitions import month_of
from assets.common.resources import HomeResource, WarehouseResource, timestamp
from assets.common.runs import recover_interrupted_runs
from assets.common.warehouse import Warehouse, WarehouseBusy
from assets.reporting.alerts import alert_run
from demo.run import STATE as DEMO_STATE
from demo.run import after_ui_close
from pipelines.jobs import VALIDATE_MONTH

if TYPE_CHECKING:
    from dagster._utils.error import SerializableErrorInfo

PARTITION_TAG = "dagster/partition"
DEMO_WAIT_S = 45.0  # a sensor's evaluation is cut after 60 s: waiting longer for a close would lose the month


def error_text(error: "SerializableErrorInfo | None") -> str:
    """A failed step's message: the code's own error (a full disk, a refused file) rather than Dagster's
    wrapper around it, without the exception's module path."""
    if error is None:
        return "échec"
    while error.cause is not None and (error.cls_name or "").startswith("Dagster"):
        error = error.cause
    return re.sub(r"^[\w.]+(Error|Exception|Busy|New|Failure): ", "", error.message.strip())


def step_errors(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """The failed steps of a run, with their message (a blocked check is named by the controls)."""
    out = []
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE):
        event = record.dagster_event
        if event is None:
            continue
        error = event.step_failure_data.error if event.event_specific_data else None
        message = error_text(error)
        if "blocking asset check" not in message:
            out.append(f"{event.step_key} : {message.splitlines()[0][:300]}")
    return out


def _alert(
    context: dg.RunStatusSensorContext | dg.RunFailureSensorContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.SkipReason | None:
    run = context.dagster_run
    partition = run.tags.get(PARTITION_TAG)
    if not partition:
        return dg.SkipReason("run sans mois (partition)")
    if run.job_name == VALIDATE_MONTH:  # records a validation: the month's controls were alerted by its runs
        return dg.SkipReason("validation : rien à signaler")
    month = month_of(partition)
    with warehouse.transaction() as con:
        summary = alert_run(
            con,
            home.settings(),
            home.sorties,
            month,
            run.run_id,
            step_errors(context.instance, run.run_id),
            timestamp(),
        )
    if not summary.logged:
        return dg.SkipReason("rien à signaler" if not summary.lines else "déjà signalé")
    return None


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    default_status=dg.DefaultSensorStatus.RUNNING,  # every job of the code location: no monitored_jobs
    description=(
        "Après un run réussi d'un mois (job, backfill ou page Assets) : avertissements et contrôles en échec "
        "→ alertes.log, e-mail."
    ),
)
def alert_after_close(
    context: dg.RunStatusSensorContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.SkipReason | None:
    return _alert(context, home, warehouse)


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Après un run en échec d'un mois (job, backfill ou page Assets) : étapes et contrôles en échec "
        "→ alertes.log, e-mail."
    ),
)
def alert_after_failed_close(
    context: dg.RunFailureSensorContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.SkipReason | None:
    return _alert(context, home, warehouse)


def month_closed(sorties: Path, month: str) -> bool:
    """Whether the month's close got through: its register issued, its entry file exported, its call list
    written (a run of a few assets from the Assets page is not a close)."""
    folder = sorties / month
    return all(
        (folder / part).is_file()
        for part in (
            "factures/registre.csv",
            f"comptabilite/ecritures_{month}.txt",
            "recouvrement/appels_a_passer.csv",
        )
    )


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    default_status=dg.DefaultSensorStatus.RUNNING,  # every job of the code location; skips outside a demo home
    description=(
        "Association de démonstration : après la clôture réussie d'un mois (job, backfill ou page Assets), "
        "les paiements, le grand livre et les appels que `recettes demo` simule, une fois par mois."
    ),
)
def demo_after_close(
    context: dg.RunStatusSensorContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.SkipReason | None:
    partition = context.dagster_run.tags.get(PARTITION_TAG)
    if not partition:
        return dg.SkipReason("run sans mois (partition)")
    month = month_of(partition)
    if not (home.root / DEMO_STATE).is_file():
        return dg.SkipReason("pas une association de démonstration")
    # the next close waits while the demo's people write its inputs, and they wait for a close under way
    try:
        with Warehouse(warehouse.path).run_lock(DEMO_WAIT_S):
            wrote, said = after_ui_close(home.root, month, lambda m: month_closed(home.sorties, m))
    except WarehouseBusy:
        return dg.SkipReason(f"une clôture est en cours : la démonstration jouera {month} après le prochain run réussi")
    if not wrote:
        return dg.SkipReason(said)
    context.log.info(said)
    return None


@dg.sensor(
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Runs dont le processus a disparu (arrêt brutal) : marqués en échec, leurs places du pool libérées.",
)
def interrupted_runs(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    recovered = recover_interrupted_runs(context.instance)
    if not recovered:
        return dg.SkipReason("aucun run interrompu")
    return dg.SkipReason(f"run(s) interrompu(s) marqué(s) en échec : {', '.join(recovered)}")
