"""Closing one month through the Dagster job, as the UI does, and what the command line prints of it.

`close_month` materializes the month's assets and checks with the data folder's Dagster instance
(`DAGSTER_HOME`, by default `RECETTES_HOME/dagster`, created with `DAGSTER_YAML`), writes the alerts the sensors
write for a run launched from the UI, and returns what the operator is told (`MonthResult`, `print_result`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import os
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dagster as dg

DAGSTER_YAML = """\
# Dagster instance of this data folder (written by `recettes`; edit freely, it is not overwritten).
telemetry:
  enabled: false
concurrency:
  pools:
    default_limit: 1   # the warehouse pool: one writer at a time, across runs and backfills
  runs:
    max_concurrent_runs: 1   # the run queue: one close at a time for this association, in the order launched
"""


def prepare_instance(home: Path) -> Path:
    """DAGSTER_HOME defaults to RECETTES_HOME/dagster, so that run history lives with the data.

    The instance's storage is created here, once and under a lock: a webserver and a daemon started together on
    a new data folder would otherwise both create its SQLite tables, and one of them fail.
    """
    import dagster as dg

    dagster_home = Path(os.environ.get("DAGSTER_HOME") or home / "dagster")
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    with _instance_lock(), dg.DagsterInstance.get():
        pass  # created and migrated if new; a few tens of milliseconds otherwise
    return dagster_home


@contextlib.contextmanager
def _instance_lock() -> Iterator[None]:
    """Exclusive while the Dagster instance is opened: its SQLite files are created and migrated then."""
    import fcntl

    path = Path(os.environ["DAGSTER_HOME"]) / ".instance.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


class MonthResult:
    def __init__(
        self,
        month: str,
        success: bool,
        failed_controls: list[tuple[str, str]],
        errors: list[str],
        summary: list[str],
        seconds: float,
        run_id: str = "",
        held: dict[str, str] | None = None,
    ):
        self.month, self.success, self.failed_controls = month, success, failed_controls
        self.errors, self.summary, self.seconds, self.run_id = errors, summary, seconds, run_id
        self.held = held or {}

    @property
    def exit_code(self) -> int:
        if self.failed_controls or (self.success and self.held):
            return 1
        return 0 if self.success else 2


def close_month(
    home: Path,
    month: str,
    issue_date: dt.date | None = None,
    instance: dg.DagsterInstance | None = None,
    confirm_date: bool = False,
    by: str | None = None,
) -> MonthResult:
    """Close the month in one run, as `recettes run` does: the préparation, the validation of every
    establishment no control holds by `by` (default: the login running it) on `issue_date` (default: today),
    and the émission. An issue date the control `date_emission` finds unusual is issued only with
    `confirm_date`."""
    from assets.common.resources import CONFIRM_TAG, DATE_TAG, VALIDATE_TAG

    tags = {
        DATE_TAG: (issue_date or dt.date.today()).isoformat(),
        VALIDATE_TAG: by or login(),
        **({CONFIRM_TAG: "oui"} if confirm_date else {}),
    }
    return run_month(home, month, CLOSE_MONTH_JOB, tags, instance)


def login() -> str:
    """Who runs the command, as the system knows them (a container's user may have no name: its uid)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def prepare_month(home: Path, month: str, instance: dg.DagsterInstance | None = None) -> MonthResult:
    """The préparation alone (`recettes preparer`): nothing is numbered."""
    return run_month(home, month, PREPARE_MONTH_JOB, {}, instance)


def validate_and_issue(
    home: Path,
    month: str,
    establishments: list[str] | None,
    by: str,
    issue_date: dt.date,
    confirm_date: bool = False,
    instance: dg.DagsterInstance | None = None,
) -> MonthResult:
    """`recettes valider`: record the validation of the prepared month (some establishments or all), then run
    the émission, which issues what was validated and is unchanged since. Raises `ValidationError` when the
    validation is refused as a whole; an establishment refused alone is held, named."""
    from assets.billing.validation import validate
    from assets.common.resources import DATE_TAG, timestamp
    from assets.common.warehouse import Warehouse

    with Warehouse(home / "entrepot.duckdb").transaction() as con:
        done = validate(con, month, establishments, by, issue_date, confirm_date, timestamp())
    for code, why in sorted(done.refused.items()):
        print(f"{month} : {code} non validé — {why}")
    if not done.validated:
        from assets.billing.validation import ValidationError

        raise ValidationError("aucun établissement validé : rien n'est émis")
    return run_month(home, month, CLOSE_MONTH_JOB, {DATE_TAG: issue_date.isoformat()}, instance)


CLOSE_MONTH_JOB = "cloture_mensuelle"
PREPARE_MONTH_JOB = "preparation_mensuelle"


def run_month(
    home: Path, month: str, job_name: str, tags: dict[str, str], instance: dg.DagsterInstance | None = None
) -> MonthResult:
    """Materialize the month's assets and checks of `job_name` through Dagster, as the UI does."""
    import dagster as dg

    from assets.common.partitions import partition_of
    from assets.common.runs import PROCESS_TAG, recover_interrupted_runs, this_process
    from assets.common.settings_file import load_settings
    from assets.common.warehouse import Warehouse
    from pipelines.definitions import build
    from pipelines.sensors import error_text

    started = time.monotonic()
    load_settings(home / "parametrage.yaml")  # a wrong settings file stops here, with its keys named
    prepare_instance(home)
    defs = build(str(home))
    job = defs.resolve_job_def(job_name)
    own_instance = instance is None
    if instance is None:
        with _instance_lock():  # two commands started together on a new data folder would both create it
            instance = dg.DagsterInstance.get()
    try:
        for run_id in recover_interrupted_runs(instance):
            print(f"run {run_id} interrompu (processus disparu) : marqué en échec, sa place dans le pool libérée")
        if Warehouse(home / "entrepot.duckdb").run_in_progress():
            print(f"{month} : une autre clôture de cette association est en cours ; attente de sa fin", flush=True)
        result = job.execute_in_process(
            partition_key=partition_of(month),
            instance=instance,
            raise_on_error=False,
            tags={**tags, PROCESS_TAG: this_process()},
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        )
    finally:
        if own_instance:
            instance.dispose()
    errors = []
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE" and event.step_key:
            message = error_text(event.step_failure_data.error)
            if "blocking asset check" not in message:  # a blocking control is reported by its name below
                errors.append(f"{event.step_key} : {message}")
    failed, summary, held = _month_report(home, month)
    _alert(home, month, result.run_id, errors)
    if job_name == PREPARE_MONTH_JOB:
        held = {}  # a préparation holds nothing: it issues nothing
        summary.append(f"pré-facturation : {home / 'sorties' / month / 'prefacturation' / 'prefacturation.html'}")
    return MonthResult(month, result.success, failed, errors, summary, time.monotonic() - started, result.run_id, held)


def _alert(home: Path, month: str, run_id: str, errors: list[str]) -> None:
    """What the sensors do for a run launched from the UI: alertes.log and the alert e-mail."""
    from assets.common.resources import timestamp
    from assets.common.settings_file import load_settings
    from assets.common.warehouse import Warehouse
    from assets.reporting.alerts import alert_run

    with Warehouse(home / "entrepot.duckdb").transaction() as con:
        alert_run(con, load_settings(home / "parametrage.yaml"), home / "sorties", month, run_id, errors, timestamp())


def _month_report(home: Path, month: str) -> tuple[list[tuple[str, str]], list[str], dict[str, str]]:
    from assets.billing.prefacturation import checklist, held_state
    from assets.common.controls import failed_errors, month_controls
    from assets.common.months import month_end
    from assets.common.warehouse import Warehouse, run_sql

    with Warehouse(home / "entrepot.duckdb").connect() as con:
        files, days, held = run_sql(con, "ingest/month_summary.sql", {"month": month})[0]
        rejected = run_sql(con, "ingest/month_quarantine_count.sql", {"month": month})[0][0]
        invoices, invoiced, credits, credited, complementary = run_sql(
            con, "billing/month_summary.sql", {"month": month}
        )[0]
        allocated, allocated_amount, settled, queued, queued_amount = run_sql(
            con, "payments/close_summary.sql", {"month": month, "cutoff": month_end(month)}
        )[0]
        debits, debited, refunds, refunded, write_offs, written_off = run_sql(
            con, "payments/treasury_summary.sql", {"month": month}
        )[0]
        controls = month_controls(con, month)
        failed = failed_errors(con, month)
        unissued = {r["establishment_code"]: r["state"] for r in checklist(con, month) if held_state(r["state"])}
    warnings = [c for c, sev, status, _, _ in controls if status == "echec" and sev != "erreur"]
    summary = [
        f"activité : {files} fichier(s), {days} journée(s) dont {held} retenue(s), {rejected} ligne(s) écartée(s)",
        f"facturation : {invoices} facture(s) pour {euros(invoiced)} dont {complementary} complémentaire(s), "
        f"{credits} avoir(s) pour {euros(credited)}",
        f"encaissements : {allocated} affectation(s) pour {euros(allocated_amount)}, {settled} facture(s) soldée(s), "
        f"{queued} ligne(s) bancaire(s) pour {euros(queued_amount)} en attente de décision",
        f"trésorerie : {debits} prélèvement(s) SEPA pour {euros(debited)}, {refunds} remboursement(s) pour "
        f"{euros(refunded)}, {write_offs} admission(s) en non-valeur pour {euros(written_off)}",
        f"contrôles : {len(controls)} évalués, {len(failed)} erreur(s) bloquante(s), "
        f"{len(warnings)} avertissement(s)" + (f" ({', '.join(warnings)})" if warnings else ""),
    ]
    return failed, summary, unissued


def euros(amount: Decimal | int) -> str:
    from babel.numbers import format_currency

    return format_currency(amount, "EUR", locale="fr_FR")


def print_result(r: MonthResult) -> None:
    """The close summary; a file name or a message it quotes shows its line breaks escaped (`\\n`): one
    line each, none forged by a name."""
    from assets.common.csvfile import escaped

    state = (
        "clôturé" if r.exit_code == 0 else "ÉCHEC" if r.exit_code == 2 else "BLOQUÉ" if r.failed_controls else "RETENU"
    )
    print(f"{r.month} : {state} en {r.seconds:.1f} s")
    for line in r.summary:
        print(f"  {escaped(line)}")
    for control, detail in r.failed_controls:
        print(f"  contrôle bloquant en échec : {escaped(control)} — {escaped(detail)}")
    for code, state in sorted(r.held.items()):
        print(f"  établissement retenu : {escaped(code)} — {escaped(state)}")
    for error in r.errors:
        print(f"  erreur : {escaped(error)}")
