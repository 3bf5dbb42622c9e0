"""Dagster assets of the reporting stage: the finance director's monthly report, the retention of outputs."""

import dagster as dg

from assets.accounting.assets import ledger_reciprocity
from assets.billing.assets import billing_files, issue_date
from assets.billing.prefacturation import refresh_prefacturation
from assets.common.partitions import month_of, months
from assets.common.resources import POOL, HomeResource, WarehouseResource, timestamp
from assets.payments.assets import matching_files
from assets.receivables.assets import reminders
from assets.reporting.activity_reports import write_activity_reports
from assets.reporting.controls_report import write_index
from assets.reporting.director import write_director_report
from assets.reporting.retention import purge_outputs


@dg.asset(
    group_name="reporting",
    kinds={"html"},
    pool=POOL,
    partitions_def=months,
    deps=[billing_files, matching_files, ledger_reciprocity, reminders],
    description="Rapport mensuel de la direction financière (HTML autonome, graphiques Plotly).",
)
def director_report(
    context: dg.AssetExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Writes the pré-facturation's checklist again with what the close did, the activity against forecast
    (rapports/activite.csv), the year so far (rapports/annee_AAAA.csv and .html) and one page per establishment
    (rapports/etablissements/<code>.html), then rapports/occupation.csv and rapports/direction.html from the
    month's files: activity against forecast, headline figures
    against last month and last year, billing by establishment and payer type, occupancy over 12 months,
    receivables and DSO trends, the largest late payers, the dunning of the close, pending files,
    adjustments, the establishments held and the state of the controls."""
    month = month_of(context.partition_key)
    with warehouse.transaction() as con:
        settings = home.settings()
        refresh_prefacturation(con, settings, home.sorties, month, timestamp())
        activity = write_activity_reports(con, home.sorties, month, settings.rapports.seuil_sous_activite)
        path, size = write_director_report(con, home.sorties, month, activity)
    write_index(home.sorties)  # the checks rewrote it before this report existed: link it now
    return dg.MaterializeResult(metadata={"fichier": path.name, "octets": size})


@dg.asset(
    group_name="reporting",
    kinds={"python"},
    pool=POOL,
    partitions_def=months,
    deps=[director_report],
    description="Conservation : suppression des sorties des mois échus depuis plus de `conservation.annees` ans.",
)
def outputs_retention(
    context: dg.AssetExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Removes sorties/AAAA-MM of the months that ended more than `conservation.annees` years (default 10)
    before the close's issue date, and rewrites sorties/index.html; the warehouse keeps the books."""
    years = home.settings().conservation.annees
    removed = purge_outputs(home.sorties, issue_date(context, warehouse), years)
    return dg.MaterializeResult(metadata={"conservation_annees": years, "mois_supprimes": ", ".join(removed)})
