"""Controls of the accounting stage (docs/rules.md "Controls and reconciliations"): every entry balanced, the sales
journal equal to the month's documents, entry numbers continuous and chronological per journal, and the file passing
the FEC rules. All errors: a month whose entries are wrong is not exported (the checks on the entries block the
file)."""

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from assets.accounting.assets import accounting_entries, entry_file, ledger_reciprocity
from assets.accounting.entry_file import file_name
from assets.accounting.fec import read_fec, validate
from assets.common.controls import ERROR, WARNING, ControlOutcome
from assets.common.months import month_end
from assets.common.partitions import month_of
from assets.common.resources import POOL, HomeResource, WarehouseResource
from assets.common.settings import Settings
from assets.common.warehouse import query_frame, run_sql
from checks.wiring import asset_check, check_result, check_spec, examples, run_controls

ACCOUNTING = "comptabilite"


def _outcome(name: str, frame: pl.DataFrame, ok: str, failed: str) -> ControlOutcome:
    n = frame.height
    return ControlOutcome(name, ACCOUNTING, ERROR, n == 0, n, failed.format(n=n) if n else ok, examples(frame))


def control_balanced(con: duckdb.DuckDBPyConnection, month: str) -> ControlOutcome:
    return _outcome(
        "ecritures_equilibrees",
        query_frame(con, "checks/accounting/unbalanced.sql", {"month": month}),
        "chaque écriture est équilibrée",
        "{n} écriture(s) déséquilibrée(s)",
    )


def control_sales_journal(con: duckdb.DuckDBPyConnection, settings: Settings, month: str) -> ControlOutcome:
    frame = query_frame(
        con,
        "checks/accounting/sales_vs_documents.sql",
        {"month": month, "clients": settings.comptes.clients, "end": month_end(month)},
    )
    return _outcome(
        "journal_ventes_documents",
        frame,
        "le journal des ventes reprend chaque facture et avoir, au centime",
        "{n} document(s) absent(s) du journal des ventes ou pour un autre montant",
    )


def control_numbering(con: duckdb.DuckDBPyConnection) -> ControlOutcome:
    return _outcome(
        "ecritures_numerotation",
        query_frame(con, "checks/accounting/numbering.sql"),
        "numéros d'écriture continus et chronologiques par journal",
        "{n} numéro(s) d'écriture hors séquence",
    )


def control_fec_file(sorties: Path, month: str) -> ControlOutcome:
    path = sorties / month / file_name(month)
    if not path.exists():
        return ControlOutcome("fec_conforme", ACCOUNTING, ERROR, False, 1, f"{path.name} absent")
    problems = validate(read_fec(path.read_bytes(), path.name))
    return ControlOutcome(
        "fec_conforme",
        ACCOUNTING,
        ERROR,
        not problems,
        len(problems),
        f"{path.name} conforme aux règles du FEC" if not problems else f"{len(problems)} écart(s) aux règles du FEC",
        [{"regle": p.code, "lignes": list(p.lines[:5]), "champ": p.field} for p in problems[:5]],
    )


ENTRY_CHECKS = ("ecritures_equilibrees", "journal_ventes_documents", "ecritures_numerotation")


@dg.multi_asset_check(specs=[check_spec(name, accounting_entries, blocking=True) for name in ENTRY_CHECKS], pool=POOL)
def entry_controls(
    context: dg.AssetCheckExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> Iterator[dg.AssetCheckResult]:
    """Before the file is written: entries balanced, sales journal = documents, numbers in sequence."""
    month = month_of(context.partition_key)
    settings = home.settings()
    outcomes = run_controls(
        home,
        warehouse,
        month,
        lambda con: [control_balanced(con, month), control_sales_journal(con, settings, month), control_numbering(con)],
    )
    for outcome in outcomes:
        yield check_result(outcome, context)


@asset_check(asset=entry_file, name="fec_conforme", blocking=True, pool=POOL)
def fec_control(
    context: dg.AssetCheckExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    """The month's file, read back, passes every FEC rule."""
    month = month_of(context.partition_key)
    (outcome,) = run_controls(home, warehouse, month, lambda con: [control_fec_file(home.sorties, month)])
    return check_result(outcome, context)


def control_reciprocity(con: duckdb.DuckDBPyConnection, month: str) -> ControlOutcome:
    rows = run_sql(con, "accounting/month_reciprocity.sql", {"month": month})
    read = run_sql(con, "checks/accounting/ledger_read.sql", {"month": month})[0][0]
    if rows:
        detail = f"{len(rows)} payeur(s) dont le solde 411 au grand livre diffère de Recettes (reciprocite.csv)"
    else:
        detail = "chaque solde 411 du grand livre relu est égal à Recettes" if read else "aucun grand livre relu"
    return ControlOutcome(
        "reciprocite_comptable",
        ACCOUNTING,
        WARNING,
        not rows,
        len(rows),
        detail,
        [{"compte_auxiliaire": aux, "ecart": str(gap)} for aux, _, _, _, gap, *_ in rows[:5]],
    )


# a warning: blocking only makes the director's report wait for it, so that the report counts it
@asset_check(asset=ledger_reciprocity, name="reciprocite_comptable", blocking=True, pool=POOL)
def reciprocity_control(
    context: dg.AssetCheckExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    """Each payer's 411 balance in the general ledger read back equals its balance in Recettes (warning)."""
    month = month_of(context.partition_key)
    (outcome,) = run_controls(home, warehouse, month, lambda con: [control_reciprocity(con, month)])
    return check_result(outcome, context)
