"""The `recettes` command (docs/contract.md "Running it").

    recettes demo                      create the demo association and close every month of it
    recettes generate --scale demo     write the demo's inputs without running anything
    recettes run --month 2025-03       close one month (prepare, validate as --par, issue) in one command
    recettes preparer --month 2025-03  the préparation alone: controls and pré-facturation, nothing numbered
    recettes valider --month 2025-03 --par NOM --date-emission 2025-04-03 [--etablissement CODE…]
                                       validate the prepared month, then issue what was validated
    recettes verify                    recompute the audit chain and report any alteration of the warehouse or sorties/
    recettes ui                        open the Dagster UI on the same data folder
    recettes groupe --groupe groupe.yaml --month 2025-03   the group's report of several associations
    recettes workspace groupe.yaml     the workspace of one Dagster deployment for several associations

`--home` (or RECETTES_HOME, default ./var) is the data folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.close import (
    MonthResult,
    close_month,
    euros,
    prepare_instance,
    prepare_month,
    print_result,
    validate_and_issue,
)

if TYPE_CHECKING:
    from assets.reporting.group import Group


def _home(args: argparse.Namespace) -> Path:
    home = Path(args.home or os.environ.get("RECETTES_HOME", "var")).resolve()
    os.environ["RECETTES_HOME"] = str(home)
    return home


def _month(text: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise argparse.ArgumentTypeError(f"mois attendu au format AAAA-MM, lu : {text!r}")
    return text


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date attendue au format AAAA-MM-JJ, lu : {text!r}") from None


def _refused(home: Path, month: str) -> bool:
    """A month that cannot be closed (in progress, to come, before the association's first), said why."""
    from assets.common.partitions import refused_month

    if refused := refused_month(home, month):
        print(f"refusé : {refused}", file=sys.stderr)
        return True
    return False


def cmd_run(args: argparse.Namespace) -> int:
    home = _home(args)
    if _refused(home, args.month):
        return 2
    result = close_month(home, args.month, args.date_emission, confirm_date=args.confirmer, by=args.par)
    print_result(result)
    if result.exit_code:
        print(f"  détail : {home / 'sorties' / args.month / 'controles' / 'controles.csv'}")
    return result.exit_code


def cmd_prepare(args: argparse.Namespace) -> int:
    home = _home(args)
    if _refused(home, args.month):
        return 2
    result = prepare_month(home, args.month)
    print_result(result)
    return result.exit_code


def cmd_validate(args: argparse.Namespace) -> int:
    from assets.billing.validation import ValidationError

    home = _home(args)
    if _refused(home, args.month):
        return 2
    try:
        result = validate_and_issue(
            home, args.month, args.etablissement or None, args.par, args.date_emission, args.confirmer
        )
    except ValidationError as exc:
        print(f"{args.month} : validation refusée — {exc}", file=sys.stderr)
        return 1
    print_result(result)
    if result.exit_code:
        print(f"  détail : {home / 'sorties' / args.month / 'prefacturation' / 'prefacturation.html'}")
    return result.exit_code


def cmd_generate(args: argparse.Namespace) -> int:
    from demo.generator import generate
    from demo.run import prepare

    home = _home(args)
    data = generate(args.scale, args.seed)
    prepare(home, data, args.seed)  # the inputs, and the demo's people as before its first close
    print(
        f"Données « {args.scale} » (graine {args.seed}) écrites dans {home} : "
        f"{len(data.referential['usagers.csv'])} usagers, {len(data.months)} mois "
        f"({data.months[0]} à {data.months[-1]})."
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    import dagster as dg

    from demo.generator import close_date, generate
    from demo.run import Demo, play

    home = _home(args)
    data = generate(args.scale, args.seed)
    months = data.months[: args.mois] if args.mois else data.months
    print(
        f"Association de démonstration dans {home} : {len(data.referential['usagers.csv'])} usagers, "
        f"clôture de {len(months)} mois ({months[0]} à {months[-1]})."
    )
    for line in data.story:
        print(f"  · {line}")
    demo = Demo.create(home, data, args.seed, first=months[0])
    prepare_instance(home)
    blocked = []
    with dg.DagsterInstance.get() as instance:

        def close(month: str) -> MonthResult:
            result = close_month(home, month, close_date(month), instance=instance)
            print_result(result)
            return result

        def corrected(month: str) -> None:
            print("  → l'établissement renvoie un extrait corrigé ; nouvelle clôture du mois")

        for month, result in play(demo, months, close, corrected=corrected):
            if result.exit_code:
                blocked.append(month)
    print(f"Sorties : {home / 'sorties'}")
    if blocked:
        print(f"Mois non clôturés : {', '.join(blocked)}")
        return 1
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    home = _home(args)
    prepare_instance(home)
    root = Path(__file__).resolve().parents[1]
    os.chdir(root)
    os.execvp("dagster", ["dagster", "dev", "-w", str(root / "workspace.yaml"), "-p", str(args.port)])
    return 0  # pragma: no cover


def cmd_fec_check(args: argparse.Namespace) -> int:
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
        f"débit {euros(fec.total_debit)}, crédit {euros(fec.total_credit)}"
    )
    for problem in problems:
        print(f"  {problem.code} ({problem.severity}) : {problem.message}")
    errors = [p for p in problems if p.severity == "erreur"]
    print("conforme" if not problems else f"{len(errors)} erreur(s), {len(problems) - len(errors)} avertissement(s)")
    return 1 if errors else 0


def cmd_unlock(args: argparse.Namespace) -> int:
    """Unlock an exported month for the accountant, with the reason recorded."""
    from assets.accounting.entry_file import LockError, unlock
    from assets.common.audit import seal
    from assets.common.resources import timestamp
    from assets.common.warehouse import Warehouse

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


def cmd_verify(args: argparse.Namespace) -> int:
    """Recompute the audit chain of the warehouse and the files of sorties/; exit 1 on any alteration found."""
    from assets.common.audit import FILES, KINDS, latest_issue_date, verify
    from assets.common.settings import Retention
    from assets.common.settings_file import load_settings
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


def _group(path: str) -> Group | None:
    from assets.reporting.group import GroupError, read_group

    try:
        return read_group(Path(path))
    except GroupError as exc:
        print(f"Groupe invalide : {exc}", file=sys.stderr)
        return None


def cmd_group(args: argparse.Namespace) -> int:
    from assets.reporting.group import write_group_report

    group = _group(args.groupe)
    if group is None:
        return 2
    page, figures = write_group_report(group, args.month)
    for f in figures:
        print(f"  {f.code} : {f.state}" + (f", émis {euros(f.billed)}" if f.counted else ""))
    print(f"Rapport du groupe : {page}")
    return 0 if all(f.counted for f in figures) else 1  # a total that leaves an association out says so


def cmd_workspace(args: argparse.Namespace) -> int:
    from pipelines.federation import write_workspace

    group = _group(args.groupe)
    if group is None:
        return 2
    target = Path(args.output)
    commands = write_workspace(group, target, args.host, args.port)
    print(f"{target} écrit ; démarrez un serveur de code par emplacement, depuis le dossier du projet :")
    for command in commands:
        print(f"  {command}")
    return 0


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
    run.add_argument(
        "--confirmer",
        action="store_true",
        help="émettre à une date inhabituelle pour le mois (avant sa fin, ou plus de 60 jours après)",
    )
    run.add_argument("--par", default=None, help="qui valide (défaut : l'utilisateur qui lance la commande)")
    run.set_defaults(func=cmd_run)

    prep = sub.add_parser("preparer", help="prépare un mois : contrôles et pré-facturation, sans rien émettre")
    prep.add_argument("--month", required=True, type=_month)
    prep.set_defaults(func=cmd_prepare)

    val = sub.add_parser("valider", help="valide un mois préparé (par établissement ou tous) puis l'émet")
    val.add_argument("--month", required=True, type=_month)
    val.add_argument("--etablissement", nargs="+", metavar="CODE", help="établissement(s) validé(s) (défaut : tous)")
    val.add_argument("--par", required=True, help="nom de la personne qui valide")
    val.add_argument("--date-emission", required=True, type=_date, help="date d'émission des documents")
    val.add_argument(
        "--confirmer",
        action="store_true",
        help="émettre à une date inhabituelle pour le mois (avant sa fin, ou plus de 60 jours après)",
    )
    val.set_defaults(func=cmd_validate)

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

    group = sub.add_parser("groupe", help="rapport du groupe : plusieurs associations côte à côte pour un mois")
    group.add_argument("--groupe", required=True, help="le fichier groupe.yaml (associations et sorties)")
    group.add_argument("--month", required=True, type=_month)
    group.set_defaults(func=cmd_group)

    space = sub.add_parser(
        "workspace", help="écrit le workspace.yaml d'un déploiement Dagster de plusieurs associations"
    )
    space.add_argument("groupe", help="le fichier groupe.yaml")
    space.add_argument(
        "--output", default="workspace-groupe.yaml", help="fichier écrit (défaut : workspace-groupe.yaml)"
    )
    space.add_argument("--host", default="127.0.0.1", help="hôte des serveurs de code")
    space.add_argument(
        "--port", type=int, default=4000, help="port du premier serveur de code (les suivants à la suite)"
    )
    space.set_defaults(func=cmd_workspace)

    ui = sub.add_parser("ui", help="ouvre l'interface Dagster sur ce dossier de données")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=cmd_ui)
    return p


def main(argv: list[str] | None = None) -> int:
    from assets.common import heap
    from assets.common.outputs import OutputError
    from assets.common.settings_file import SettingsError

    args = parser().parse_args(argv)
    os.umask(0o077)  # every file this process creates (outputs, warehouse, run history) is the owner's only
    heap.for_process()  # a command is one batch: fewer searches for cycles (assets/common/heap.py)
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
