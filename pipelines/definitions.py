"""The one Definitions of the Recettes code location (workspace.yaml loads this module)."""

import dagster as dg

from assets.ingest.assets import activity_days, referential
from checks.ingest import activity_controls, referential_controls
from pipelines.jobs import close_month
from pipelines.resources import resources


def build(home: str | None = None) -> dg.Definitions:
    return dg.Definitions(
        assets=[referential, activity_days],
        asset_checks=[referential_controls, activity_controls],
        jobs=[close_month],
        resources=resources(home),
        executor=dg.in_process_executor,
    )


defs = build()
