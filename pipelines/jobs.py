"""Jobs: the month close (every asset of a month, the referential first) and the referential alone."""

import dagster as dg

CLOSE_MONTH = "cloture_mensuelle"

close_month = dg.define_asset_job(
    CLOSE_MONTH,
    selection=dg.AssetSelection.all(),
    description="Clôture d'un mois : référentiel, activité, contrôles (puis, au fil des étapes, "
    "facturation, encaissements, comptabilité, recouvrement et rapports).",
    executor_def=dg.in_process_executor,
)
