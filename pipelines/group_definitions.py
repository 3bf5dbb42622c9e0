"""The group's code location (pipelines/federation.py): one asset, the group's report of a month, over the months
of its associations (RECETTES_GROUPE names groupe.yaml)."""

import os
from pathlib import Path

import dagster as dg

from assets.common.partitions import TIMEZONE, first_month, month_of, partition_of
from assets.reporting.group import read_group, write_group_report
from pipelines.federation import GROUP_ENV


def build(path: str | None = None) -> dg.Definitions:
    group = read_group(Path(path or os.environ[GROUP_ENV]))
    start = min(first_month(m.home)[0] for m in group.members)
    months = dg.MonthlyPartitionsDefinition(start_date=partition_of(start), end_offset=0, timezone=TIMEZONE)

    @dg.asset(
        name="rapport_groupe",
        group_name="groupe",
        kinds={"html", "duckdb"},
        partitions_def=months,
        description="Rapport du groupe : chaque association (son entrepôt lu sans écriture) et le total du mois.",
    )
    def group_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        month = month_of(context.partition_key)
        page, figures = write_group_report(read_group(group.path), month)
        return dg.MaterializeResult(
            metadata={
                "fichier": str(page),
                "associations": dg.MetadataValue.json({f.code: f.state for f in figures}),
            }
        )

    return dg.Definitions(assets=[group_report])


defs = build() if os.environ.get(GROUP_ENV) else dg.Definitions()
