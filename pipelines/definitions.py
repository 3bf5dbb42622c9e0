"""The one Definitions of the Recettes code location (workspace.yaml loads this module)."""

import warnings
from pathlib import Path

import dagster as dg

from assets.accounting.assets import accounting_entries, entry_file, ledger_reciprocity
from assets.billing.assets import billing_files, invoice_documents, issued_documents, prefacturation, valued_days
from assets.common.partitions import months, months_for
from assets.common.resources import association_code, default_home, resources
from assets.ingest.assets import activity_days, referential
from assets.payments.assets import allocations, bank_lines, matching_files
from assets.receivables.assets import aged_balance, dunning_letters, reminders
from assets.reporting.assets import director_report, outputs_retention
from checks.accounting import entry_controls, fec_control, reciprocity_control
from checks.billing import (
    document_controls,
    facturx_control,
    held_control,
    under_activity_control,
    valuation_controls,
)
from checks.closing import billed_missing_control, month_order_control
from checks.ingest import activity_controls, referential_controls
from checks.payments import bank_controls, matching_controls
from checks.receivables import call_log_control, pending_files_control
from pipelines.jobs import month_jobs, validation_job
from pipelines.sensors import alert_after_close, alert_after_failed_close, demo_after_close, interrupted_runs


def with_months(definition: dg.AssetsDefinition, partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """An asset or a check declared with the monthly partitions of the process's data folder (`months`), given
    those of another data folder; the referential and its checks, unpartitioned, stay as they are."""
    if partitions == months:
        return definition
    if not isinstance(definition, dg.AssetChecksDefinition):
        return definition.map_asset_specs(
            lambda spec: spec.replace_attributes(partitions_def=partitions) if spec.partitions_def == months else spec
        )
    with warnings.catch_warnings():  # preview and beta warnings of Dagster's own constructor, as Dagster does
        warnings.simplefilter("ignore", dg.PreviewWarning)
        warnings.simplefilter("ignore", dg.BetaWarning)
        checks = {
            output: spec._replace(partitions_def=partitions) if spec.partitions_def == months else spec
            for output, spec in definition.node_check_specs_by_output_name.items()
        }
        return dg.AssetChecksDefinition(**{**definition.get_attributes_dict(), "check_specs_by_output_name": checks})


ASSETS = (
    referential,
    activity_days,
    valued_days,
    prefacturation,
    issued_documents,
    billing_files,
    invoice_documents,
    bank_lines,
    allocations,
    matching_files,
    accounting_entries,
    entry_file,
    ledger_reciprocity,
    aged_balance,
    reminders,
    dunning_letters,
    director_report,
    outputs_retention,
)
CHECKS = (
    referential_controls,
    activity_controls,
    valuation_controls,
    month_order_control,
    billed_missing_control,
    document_controls,
    held_control,
    under_activity_control,
    facturx_control,
    bank_controls,
    matching_controls,
    entry_controls,
    fec_control,
    reciprocity_control,
    pending_files_control,
    call_log_control,
)


def prefixed(
    definitions: list[dg.AssetsDefinition | dg.AssetChecksDefinition], code: str
) -> list[dg.AssetsDefinition | dg.AssetChecksDefinition]:
    """The assets and checks of one association among several: every key under its code (`asso66/referential`)
    and every group prefixed (`asso66_ingest`), so that the locations of one workspace never share an asset."""
    keys = {key: dg.AssetKey([code, *key.path]) for d in definitions for key in (*d.keys, *d.dependency_keys)}
    keys |= {c.asset_key: dg.AssetKey([code, *c.asset_key.path]) for d in definitions for c in d.check_keys}
    out: list[dg.AssetsDefinition | dg.AssetChecksDefinition] = []
    for d in definitions:
        renamed = d.with_attributes(asset_key_replacements=keys)
        if isinstance(d, dg.AssetChecksDefinition):
            out.append(renamed)
        else:
            out.append(renamed.map_asset_specs(lambda s: s.replace_attributes(group_name=f"{code}_{s.group_name}")))
    return out


def build(home: str | None = None) -> dg.Definitions:
    """The definitions of a data folder (default RECETTES_HOME): its month partitions run from its first month
    to the last complete one (assets/common/partitions.py). In a deployment of several associations
    (RECETTES_ASSOCIATION set for this code location), everything it defines is its own: asset keys and groups
    under its code, its warehouse pool, its runs tagged with it (docs/operations.md)."""
    partitions = months_for(Path(home or default_home()))
    code = association_code()
    assets = [with_months(a, partitions) for a in ASSETS]
    checks = [with_months(c, partitions) for c in CHECKS]
    if code:
        assets, checks = prefixed(assets, code), prefixed(checks, code)
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=[*month_jobs(code), validation_job(partitions, code)],
        sensors=[alert_after_close, alert_after_failed_close, interrupted_runs, demo_after_close],
        resources=resources(home),
        executor=dg.in_process_executor,
    )


defs = build()
