"""Dagster assets of the receivables stage: the aged balance and DSO, and the dunning of the close."""

import dagster as dg

from assets.billing.assets import issue_date, issued_documents
from assets.payments.assets import allocations
from assets.receivables.ledger import age_month, run_dunning
from pipelines.partitions import month_of, months
from pipelines.resources import POOL, HomeResource, WarehouseResource, timestamp


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
    receipts waiting, contentieux for the director. Writes recouvrement/relances.csv, the letters
    recouvrement/relances/*.pdf, appels_a_passer.csv and contentieux.csv."""
    month = month_of(context.partition_key)
    with warehouse.transaction() as con:
        s = run_dunning(con, home.settings(), home.entrees, home.sorties, month, issue_date(context), timestamp())
    return dg.MaterializeResult(
        metadata={
            "relances": s.reminders,
            "factures_relancees": s.invoices,
            "appels_a_passer": s.calls,
            "factures_suspendues": s.holds,
            "contentieux": s.contentieux,
            "lignes_appels_ecartees": s.rejected_calls,
            "courriers": s.letters,
            "relances_faites_par": s.skipped_for or month,
        }
    )
