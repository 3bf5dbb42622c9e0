"""The one Definitions of the Recettes code location (workspace.yaml loads this module)."""

import dagster as dg

from assets.accounting.assets import accounting_entries, entry_file, ledger_reciprocity
from assets.billing.assets import billing_files, invoice_documents, issued_documents, prefacturation, valued_days
from assets.common.resources import resources
from assets.ingest.assets import activity_days, referential
from assets.payments.assets import allocations, bank_lines, matching_files
from assets.receivables.assets import aged_balance, dunning_letters, reminders
from assets.reporting.assets import director_report, outputs_retention
from checks.accounting import entry_controls, fec_control, reciprocity_control
from checks.billing import document_controls, facturx_control, valuation_controls
from checks.closing import billed_missing_control, month_order_control
from checks.ingest import activity_controls, referential_controls
from checks.payments import bank_controls, matching_controls
from checks.receivables import call_log_control, pending_files_control
from pipelines.jobs import close_month, prepare_month, validate_month
from pipelines.sensors import alert_after_close, alert_after_failed_close, demo_after_close, interrupted_runs


def build(home: str | None = None) -> dg.Definitions:
    return dg.Definitions(
        assets=[
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
        ],
        asset_checks=[
            referential_controls,
            activity_controls,
            valuation_controls,
            month_order_control,
            billed_missing_control,
            document_controls,
            facturx_control,
            bank_controls,
            matching_controls,
            entry_controls,
            fec_control,
            reciprocity_control,
            pending_files_control,
            call_log_control,
        ],
        jobs=[close_month, prepare_month, validate_month],
        sensors=[alert_after_close, alert_after_failed_close, interrupted_runs, demo_after_close],
        resources=resources(home),
        executor=dg.in_process_executor,
    )


defs = build()
