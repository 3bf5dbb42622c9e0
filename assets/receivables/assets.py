"""Dagster assets of the receivables stage: the aged balance and DSO, and the dunning of the close."""

import dagster as dg

from assets.billing.assets import issue_date, issued_documents
from assets.common.partitions import month_of, months
from assets.common.resources import POOL, HomeResource, WarehouseResource, timestamp
from assets.payments.assets import allocations
from assets.receivables.aging_run import age_month
from assets.receivables.dunning_run import run_dunning
from assets.receivables.letters import write_letters


@dg.asset(
    group_name="receivables",
    kinds={"duckdb", "csv"},
    pool=POOL,
    partitions_def=months,
    deps=[issued_documents, allocations],
    description="Balance âgée à la fin du mois (par payeur, par établissement) et DSO par la méthode countback.",
)
def aged_balance(
    context: dg.AssetExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Each invoice's open amount at the month's end (as the closes up to the month knew it) in the bucket
    of its days past due, per payer and per establishment, payers' credits included; the DSO overall and
    per payer type, kept month by month. Writes recouvrement/balance_agee.csv,
    balance_agee_etablissements.csv and dso.csv."""
    month = month_of(context.partition_key)
    with warehouse.transaction() as con:
        s = age_month(con, home.sorties, month)
    return dg.MaterializeResult(
        metadata={"mois": month, "payeurs": s.payers, "total": str(s.total), "dso_jours": str(s.dso or "")}
    )


@dg.asset(
    group_name="receivables",
    kinds={"duckdb", "csv"},
    pool=POOL,
    partitions_def=months,
    deps=[aged_balance],
    description="Relances du jour (courriers, relevés, mises en demeure), appels à passer, contentieux.",
)
def reminders(
    context: dg.AssetExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Runs the dunning policy of the settings on the day of the close, after matching: reminders appended
    (none twice), the call list from the policy and relances/appels.csv, holds for disputes, promises and
    receipts waiting, contentieux for the director. Writes recouvrement/relances.csv, appels_a_passer.csv
    and contentieux.csv; the letters are `dunning_letters`."""
    month = month_of(context.partition_key)
    when = issue_date(context, warehouse)
    with warehouse.transaction() as con:
        s = run_dunning(con, home.settings(), home.entrees, home.sorties, month, when, timestamp())
    return dg.MaterializeResult(
        metadata={
            "relances": s.reminders,
            "factures_relancees": s.invoices,
            "appels_a_passer": s.calls,
            "factures_suspendues": s.holds,
            "contentieux": s.contentieux,
            "lignes_appels_ecartees": s.rejected_calls,
            "relances_faites_par": s.skipped_for or month,
        }
    )


@dg.asset(
    group_name="receivables",
    kinds={"pdf"},
    pool=POOL,
    partitions_def=months,
    deps=[reminders],
    description="Courriers de relance du jour (PDF), un par payeur et par niveau.",
)
def dunning_letters(
    context: dg.AssetExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Renders recouvrement/relances/<date>_<payer>_<niveau>.pdf for the reminders the month's closes sent
    on the day of this close, addressed to the guardian when there is one; a file already there is kept,
    so a re-run renders only what is missing. Documents, like `invoice_documents`: what the rendering
    costs is counted apart from the rest of the close."""
    month = month_of(context.partition_key)
    when = issue_date(context, warehouse)
    with warehouse.transaction() as con:
        letters = write_letters(con, home.settings(), home.sorties, month, when)
    return dg.MaterializeResult(metadata={"courriers": letters})
