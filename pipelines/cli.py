"""The `recettes` command (CONTRACT.md "Running it").

    recettes demo                      create the demo association and close every month of it
    recettes generate --scale demo     write the demo's inputs without running anything
    recettes run --month 2025-03       close one month through the Dagster asset graph
    recettes verify                    recompute the audit chain and report any alteration of the warehouse or sorties/
    recettes ui                        open the Dagster UI on the same data folder

`--home` (or RECETTES_HOME, default ./var) is the data folder.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import re
import sys
import time
from pathlib import Path

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


def _home(args) -> Path:
    home = Path(args.home or os.environ.get("RECETTES_HOME", "var")).resolve()
    os.environ["RECETTES_HOME"] = str(home)
    return home


def prepare_instance(home: Path) -> Path:
    """DAGSTER_HOME defaults to RECETTES_HOME/dagster, so that run history lives with the data."""
    dagster_home = Path(os.environ.get("DAGSTER_HOME") or home / "dagster")
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    return dagster_home


@contextlib.contextmanager
def _instance_lock():
    """Exclusive while the Dagster instance is opened: its SQLite files are created and migrated then."""
    import fcntl

    path = Path(os.environ["DAGSTER_HOME"]) / ".instance.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _month(text: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise argparse.ArgumentTypeError(f"mois attendu au format AAAA-MM, lu : {text!r}")
    return text


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date attendue au format AAAA-MM-JJ, lu : {text!r}") from None


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
    ):
        self.month, self.success, self.failed_controls = month, success, failed_controls
        self.errors, self.summary, self.seconds, self.run_id = errors, summary, seconds, run_id

    @property
    def exit_code(self) -> int:
        if self.failed_controls:
            return 1
        return 0 if self.success else 2


def close_month(home: Path, month: str, issue_date: dt.date | None = None, instance=None) -> MonthResult:
    """Materialize the month's assets and checks through the Dagster job, as the UI does."""
    import dagster as dg

    from assets.common.settings import load_settings
    from assets.common.warehouse import Warehouse
    from pipelines.definitions import build
    from pipelines.jobs import CLOSE_MONTH
    from pipelines.partitions import partition_of
    from pipelines.recovery import PROCESS_TAG, recover_interrupted_runs, this_process
    from pipelines.resources import DATE_TAG
    from pipelines.sensors import error_text

    started = time.monotonic()
    load_settings(home / "parametrage.yaml")  # a wrong settings file stops here, with its keys named
    prepare_instance(home)
    defs = build(str(home))
    job = defs.resolve_job_def(CLOSE_MONTH)
    own_instance = instance is None
    if own_instance:
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
            tags={DATE_TAG: (issue_date or dt.date.today()).isoformat(), PROCESS_TAG: this_process()},
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        )
    finally:
        if own_instance:
            instance.dispose()
    errors = []
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE" and event.step_key:
            message = error_text(event.event_specific_data.error)
            if "blocking asset check" not in message:  # a blocking control is reported by its name below
                errors.append(f"{event.step_key} : {message}")
    failed, summary = _month_report(home, month)
    _alert(home, month, result.run_id, errors)
    return MonthResult(month, result.success, failed, errors, summary, time.monotonic() - started, result.run_id)


def _alert(home: Path, month: str, run_id: str, errors: list[str]) -> None:
    """What the sensors do for a run launched from the UI: alertes.log and the alert e-mail."""
    from assets.common.settings import load_settings
    from assets.common.warehouse import Warehouse
    from assets.reporting.alerts import alert_run
    from pipelines.resources import timestamp

    with Warehouse(home / "entrepot.duckdb").transaction() as con:
        alert_run(con, load_settings(home / "parametrage.yaml"), home / "sorties", month, run_id, errors, timestamp())


def _month_report(home: Path, month: str) -> tuple[list[tuple[str, str]], list[str]]:
    from assets.common.warehouse import Warehouse, run_sql
    from assets.payments.lettrage import month_end
    from checks.controls import failed_errors, month_controls

    with Warehouse(home / "entrepot.duckdb").connect() as con:
        files, days, held = run_sql(con, "ingest/month_summary.sql", {"month": month})[0]
        rejected = run_sql(con, "ingest/month_quarantine_count.sql", {"month": month})[0][0]
        invoices, invoiced, credits, credited, complementary = run_sql(
            con, "billing/month_summary.sql", {"month": month}
        )[0]
        allocated, allocated_amount, settled, queued, queued_amount = run_sql(
            con, "payments/close_summary.sql", {"month": month, "cutoff": month_end(month)}
        )[0]
        controls = month_controls(con, month)
        failed = failed_errors(con, month)
    warnings = [c for c, sev, status, _, _ in controls if status == "echec" and sev != "erreur"]
    summary = [
        f"activité : {files} fichier(s), {days} journée(s) dont {held} retenue(s), {rejected} ligne(s) écartée(s)",
        f"facturation : {invoices} facture(s) pour {_euros(invoiced)} dont {complementary} complémentaire(s), "
        f"{credits} avoir(s) pour {_euros(credited)}",
        f"encaissements : {allocated} affectation(s) pour {_euros(allocated_amount)}, {settled} facture(s) soldée(s), "
        f"{queued} ligne(s) bancaire(s) pour {_euros(queued_amount)} en attente de décision",
        f"contrôles : {len(controls)} évalués, {len(failed)} erreur(s) bloquante(s), "
        f"{len(warnings)} avertissement(s)" + (f" ({', '.join(warnings)})" if warnings else ""),
    ]
    return failed, summary


def _euros(amount) -> str:
    from babel.numbers import format_currency

    return format_currency(amount, "EUR", locale="fr_FR")


def _print_result(r: MonthResult) -> None:
    """The close summary; a file name or a message it quotes shows its line breaks escaped (`\\n`): one
    line each, none forged by a name."""
    from assets.common.csvfile import escaped

    state = "clôturé" if r.exit_code == 0 else "BLOQUÉ" if r.exit_code == 1 else "ÉCHEC"
    print(f"{r.month} : {state} en {r.seconds:.1f} s")
    for line in r.summary:
        print(f"  {escaped(line)}")
    for control, detail in r.failed_controls:
        print(f"  contrôle bloquant en échec : {escaped(control)} — {escaped(detail)}")
    for error in r.errors:
        print(f"  erreur : {escaped(error)}")


def cmd_run(args) -> int:
    home = _home(args)
    result = close_month(home, args.month, args.date_emission)
    _print_result(result)
    if result.exit_code:
        print(f"  détail : {home / 'sorties' / args.month / 'controles' / 'controles.csv'}")
    return result.exit_code


def cmd_generate(args) -> int:
    from demo.generator import generate, write_all

    home = _home(args)
    data = generate(args.scale, args.seed)
    write_all(home, data)
    print(
        f"Données « {args.scale} » (graine {args.seed}) écrites dans {home} : "
        f"{len(data.referential['usagers.csv'])} usagers, {len(data.months)} mois "
        f"({data.months[0]} à {data.months[-1]})."
    )
    return 0


def cmd_demo(args) -> int:
    import dagster as dg
    import yaml

    from demo.accounting import AccountingDepartment, previous_month
    from demo.calls import CallCentre
    from demo.generator import close_date, generate, write_activity, write_referential, write_settings
    from demo.payments import PaymentSimulator

    home = _home(args)
    data = generate(args.scale, args.seed)
    months = data.months[: args.mois] if args.mois else data.months
    print(
        f"Association de démonstration dans {home} : {len(data.referential['usagers.csv'])} usagers, "
        f"clôture de {len(months)} mois ({months[0]} à {months[-1]})."
    )
    for line in data.story:
        print(f"  · {line}")
    write_settings(home, data)
    prepare_instance(home)
    iban = yaml.safe_load(data.settings_yaml)["association"]["iban"]
    payers = PaymentSimulator(args.seed, iban, data.referential_as_of(close_date(months[0])))
    accounting = AccountingDepartment()
    calls = CallCentre(args.seed)
    blocked = []
    with dg.DagsterInstance.get() as instance:
        for month in months:
            # the referential as the cell knew it when it closed the month, then the month's extracts
            write_referential(home, data, close_date(month))
            write_activity(home, month, data.activity[month])
            payers.update_referential(data.referential_as_of(close_date(month)))
            payers.write_month(home, month)  # what the bank saw during the month
            accounting.export(home, previous_month(month))  # the ledger, our files imported up to last month
            result = close_month(home, month, close_date(month), instance=instance)
            _print_result(result)
            if result.exit_code == 1 and month in data.corrections:
                print("  → l'établissement renvoie un extrait corrigé ; nouvelle clôture du mois")
                write_activity(home, month, data.corrections[month])
                result = close_month(home, month, close_date(month), instance=instance)
                _print_result(result)
            if result.exit_code:
                blocked.append(month)
            payers.after_close(home, month)
            calls.after_close(home, month, close_date(month))  # the call list worked in the next days
    print(f"Sorties : {home / 'sorties'}")
    if blocked:
        print(f"Mois non clôturés : {', '.join(blocked)}")
        return 1
    return 0


def cmd_ui(args) -> int:
    home = _home(args)
    prepare_instance(home)
    root = Path(__file__).resolve().parents[1]
    os.chdir(root)
    os.execvp("dagster", ["dagster", "dev", "-w", str(root / "workspace.yaml"), "-p", str(args.port)])
    return 0  # pragma: no cover


def cmd_fec_check(args) -> int:
    """Check any FEC file against the format, accounting and date rules; exit 0 when it passes."""
    from assets.accounting.fec import FecError, read_fec_file, validate

    path = Path(args.file)
    try:
        fec = read_fec_file(path)
    except (OSError, FecError) as exc:
        print(f"{path.name} : illisible — {exc}", file=sys.stderr)
        return 2
    problems = validate(fec)
    print(
        f"{path.name} : {len(fec.lines)} ligne(s), {len({x.entry for x in fec.lines})} écriture(s), "
        f"débit {_euros(fec.total_debit)}, crédit {_euros(fec.total_credit)}"
    )
    for problem in problems:
        print(f"  {problem.code} ({problem.severity}) : {problem.message}")
    errors = [p for p in problems if p.severity == "erreur"]
    print("conforme" if not problems else f"{len(errors)} erreur(s), {len(problems) - len(errors)} avertissement(s)")
    return 1 if errors else 0


def cmd_unlock(args) -> int:
    """Unlock an exported month for the accountant, with the reason recorded."""
    from assets.accounting.ledger import LockError, unlock
    from assets.common.audit import seal
    from assets.common.warehouse import Warehouse
    from pipelines.resources import timestamp

    home = _home(args)
    try:
        with Warehouse(home / "entrepot.duckdb").transaction() as con:
            now = timestamp()
            unlock(con, args.month, args.motif, now)
            seal(con, now)  # the unlock is sealed; the month's entries are sealed again at their next export
    except LockError as exc:
        print(f"refusé : {exc}", file=sys.stderr)
        return 1
    print(f"{args.month} déverrouillé (motif : {args.motif.strip()}) ; sa prochaine clôture refait ses écritures.")
    return 0


def cmd_verify(args) -> int:
    """Recompute the audit chain of the warehouse and the files of sorties/; exit 1 on any alteration found."""
    from assets.common.audit import FILES, KINDS, latest_issue_date, verify
    from assets.common.settings import Retention, load_settings
    from assets.common.warehouse import Warehouse
    from assets.reporting.retention import expired

    home = _home(args)
    if not (home / "entrepot.duckdb").exists():
        print(f"aucun entrepôt dans {home}", file=sys.stderr)
        return 2
    settings = home / "parametrage.yaml"
    years = load_settings(settings).conservation.annees if settings.exists() else Retention().annees
    with Warehouse(home / "entrepot.duckdb").connect() as con:
        as_of = max(d for d in (dt.date.today(), latest_issue_date(con)) if d)  # retention counts from the issue date
        found = verify(con, home / "sorties", retained=lambda month: expired(month, as_of, years))
    print(
        f"chaîne d'audit : {found.records} enregistrement(s) ; {found.anchors} tête(s) de chaîne relue(s) dans sorties/"
    )
    for kind, _, label in KINDS:
        where = "dans sorties/" if kind in FILES else "dans l'entrepôt"
        gap = "" if found.sealed[kind] == found.found[kind] else " (écart)"
        print(f"  {label} : {found.sealed[kind]} scellé(s), {found.found[kind]} {where}{gap}")
    if found.retained:
        months = ", ".join(f"{m} ({n})" for m, n in sorted(found.retained.items()))
        print(f"  supprimé(s) par la conservation ({years} ans), dossier du mois retiré : {months}")
    if found.earlier:
        named = ", ".join(found.earlier[:3]) + (", …" if len(found.earlier) > 3 else "")
        print(
            f"  non scellé (antérieur) : {len(found.earlier)} élément(s) enregistré(s) avant d'être scellés : {named}"
        )
    if found.intact:
        print("intègre : chaque enregistrement suit le précédent et chaque élément scellé est inchangé")
        return 0
    print(f"ALTÉRATIONS : {len(found.problems)}")
    for problem in found.problems:
        print(f"  {problem}")
    return 1


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="recettes", description="Facturation et recouvrement des ESSMS.")
    p.add_argument("--home", help="dossier de données (défaut : $RECETTES_HOME ou ./var)")
    sub = p.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="crée l'association de démonstration et clôture tous ses mois")
    demo.add_argument("--scale", choices=("demo", "large"), default="demo")
    demo.add_argument("--seed", type=int, default=66)
    demo.add_argument("--mois", type=int, default=0, help="ne clôturer que les N premiers mois")
    demo.set_defaults(func=cmd_demo)

    gen = sub.add_parser("generate", help="écrit les données de démonstration sans rien exécuter")
    gen.add_argument("--scale", choices=("demo", "large"), default="demo")
    gen.add_argument("--seed", type=int, default=66)
    gen.set_defaults(func=cmd_generate)

    run = sub.add_parser("run", help="clôture un mois")
    run.add_argument("--month", required=True, type=_month)
    run.add_argument("--date-emission", type=_date, default=None, help="date d'émission (défaut : aujourd'hui)")
    run.set_defaults(func=cmd_run)

    fec = sub.add_parser("fec-check", help="vérifie un fichier des écritures comptables (FEC)")
    fec.add_argument("file")
    fec.set_defaults(func=cmd_fec_check)

    unlock = sub.add_parser("unlock", help="déverrouille un mois exporté en comptabilité (motif obligatoire)")
    unlock.add_argument("--month", required=True, type=_month)
    unlock.add_argument("--motif", required=True, help="pourquoi le mois est rouvert")
    unlock.set_defaults(func=cmd_unlock)

    verify = sub.add_parser(
        "verify", help="recalcule la chaîne d'audit et signale toute altération de l'entrepôt ou des sorties"
    )
    verify.set_defaults(func=cmd_verify)

    ui = sub.add_parser("ui", help="ouvre l'interface Dagster sur ce dossier de données")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=cmd_ui)
    return p


def main(argv: list[str] | None = None) -> int:
    from assets.common.outputs import OutputError
    from assets.common.settings import SettingsError
    from pipelines import heap

    args = parser().parse_args(argv)
    os.umask(0o077)  # every file this process creates (outputs, warehouse, run history) is the owner's only
    heap.for_process()  # a command is one batch: fewer searches for cycles (pipelines/heap.py)
    try:
        return args.func(args)
    except SettingsError as exc:
        print(f"Paramétrage invalide :\n{exc}", file=sys.stderr)
        return 2
    except OutputError as exc:  # a full disk or a read-only folder outside a Dagster step
        print(f"Écriture impossible : {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
