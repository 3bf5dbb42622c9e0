"""Dagster assets of the ingest stage: the referential and each month's activity."""

import dagster as dg

from assets.common.months import add_months
from assets.common.partitions import month_of, months
from assets.common.resources import POOL, HomeResource, WarehouseResource, timestamp
from assets.ingest.forecasts import load_forecasts
from assets.ingest.loading import load_activity, load_referential, read_corrected_months
from assets.ingest.mandates import load_mandates


@dg.asset(
    group_name="ingest",
    kinds={"duckdb", "csv"},
    pool=POOL,
    description="Référentiel : établissements, financeurs, usagers, séjours, prises en charge, tarifs, contributions.",
)
def referential(home: HomeResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Reads entrees/referentiel/*.csv (the seven files of docs/contract.md) and replaces the referential
    tables as one consistent set; an unchanged set is not read again. Rows with a bad value are set aside
    in `quarantine` with file, line, column and reason; an absent or unreadable file keeps the previous
    referential in place (control `referentiel_fichiers_lisibles`, blocking). The settings file is
    validated first: a wrong key stops the month with a message naming it. The SEPA mandates
    (referentiel/mandats.csv) and the activity forecasts (referentiel/previsions.csv), both optional, are read
    each time, apart: a bad row is set aside alone."""
    settings = home.settings()
    with warehouse.transaction() as con:
        now = timestamp()
        summary = load_referential(con, home.entrees, now)
        mandates = load_mandates(con, home.entrees, now, settings.sepa.ics)
        forecasts = load_forecasts(con, home.entrees, now)
    return dg.MaterializeResult(
        metadata={
            "modifie": summary.changed,
            "mandats": mandates if mandates is not None else "illisible (mandats précédents conservés)",
            "previsions": forecasts if forecasts is not None else "illisible (prévisions précédentes conservées)",
            "lignes": dg.MetadataValue.json(summary.rows),
            "lignes_rejetees": summary.rejected,
            "fichiers_illisibles": dg.MetadataValue.json(summary.unreadable),
        }
    )


@dg.asset(
    group_name="ingest",
    kinds={"duckdb", "csv"},
    pool=POOL,
    partitions_def=months,
    deps=[referential],
    description="Journées d'activité du mois (présences et absences), par usager et établissement.",
)
def activity_days(
    context: dg.AssetExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Reads entrees/activite/AAAA-MM/*.csv (long or grid form, UTF-8 or Windows-1252) and replaces the
    month's rows of `activity_days`. Identical files are read once; unreadable files and bad rows go to
    `quarantine`; an establishment with the same resident and day twice is held (docs/rules.md B1). The
    folders of the open months before it in which an extract is new, changed or removed since they were read
    are read again the same way (B12: corrected extracts), the others left unopened."""
    month = month_of(context.partition_key)
    since = add_months(month, -home.settings().regularisation_mois)  # the open months (billing.valuation)
    with warehouse.transaction() as con:
        now = timestamp()
        summary = load_activity(con, home.entrees, month, now)
        rereads = read_corrected_months(con, home.entrees, month, since, now)
    return dg.MaterializeResult(
        metadata={
            "mois": month,
            "fichiers": summary.files,
            "fichiers_en_double": summary.duplicates,
            "fichiers_illisibles": len(summary.unreadable),
            "journees": summary.days,
            "journees_retenues_doublon": summary.held,
            "lignes_rejetees": summary.rejected,
            "mois_relus": dg.MetadataValue.json(
                {r.summary.month: {"fichiers": r.paths, "journees": r.summary.days} for r in rereads}
            ),
        }
    )
