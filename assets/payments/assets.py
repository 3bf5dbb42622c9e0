"""Dagster assets of the payment stage: bank lines, their matching to invoices, the month's files."""

from decimal import Decimal

import dagster as dg

from assets.billing.assets import issued_documents
from assets.common.audit import seal, write_anchor
from assets.common.collection import history
from assets.common.partitions import month_of, months
from assets.common.resources import POOL, HomeResource, WarehouseResource, timestamp
from assets.payments.collections import pending_collections, present, write_treasury_files
from assets.payments.loading import load_bank_inputs, load_decisions
from assets.payments.matching_run import run_matching, write_matching_files
from assets.payments.settlements import apply_refunds, apply_write_offs, read_refund_requests


@dg.asset(
    group_name="payments",
    kinds={"duckdb", "xml"},
    pool=POOL,
    partitions_def=months,
    description="Lignes des relevés bancaires (camt.053/054, CFONB 120) et encaissements manuels, chacune une fois.",
)
def bank_lines(
    context: dg.AssetExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Reads entrees/banque/ (camt .xml, CFONB 120 .txt .cfo .cfonb) and entrees/encaissements/*.csv. A
    content already read is not read again; each line is stored once under its stable id, whatever the
    files and overlapping statements it appears in. A malformed file is refused whole (record and
    position in `quarantine`), the others still load; bad receipt rows are set aside with line and column."""
    month = month_of(context.partition_key)
    now = timestamp()
    with warehouse.transaction() as con:
        s = load_bank_inputs(con, home.entrees, month, now)
        chain = seal(con, now, ["ligne_bancaire"])  # each bank line sealed in the transaction that stores it
    write_anchor(home.sorties, month, chain)
    return dg.MaterializeResult(
        metadata={
            "fichiers": s.files,
            "fichiers_lus": s.read,
            "fichiers_en_double": s.duplicates,
            "fichiers_illisibles": dg.MetadataValue.json(s.unreadable),
            "releves": s.statements,
            "lignes_lues": s.lines_read,
            "lignes_nouvelles": s.lines_new,
            "lignes_deja_connues": s.lines_known,
            "lignes_non_comptabilisees": s.not_booked,
            "lignes_ecartees": s.rejected,
        }
    )


@dg.asset(
    group_name="payments",
    kinds={"duckdb"},
    pool=POOL,
    partitions_def=months,
    deps=[bank_lines, issued_documents],
    description="Lettrage : affectation des encaissements aux factures (référence, payeur et montant, décisions, "
    "crédits), non-valeurs, remboursements et prélèvements SEPA.",
)
def allocations(
    context: dg.AssetExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Matches the bank lines dated up to the month's end with the open invoices (docs/rules.md "Receipts and
    matching"): manual decisions of relances/lettrage_manuel.csv first, returns, invoice references, then
    payer + amount; the rest waits in the unmatched queue; then the payers' credits are applied to their open
    invoices. Before it, the director's write-offs (relances/non_valeurs.csv); after it, the refunds of old or
    requested credits (relances/remboursements.csv) and the presentations of open invoices to a SEPA direct
    debit (docs/rules.md "Receivables and dunning"). Appends allocations, letter codes, write-offs, refunds and
    presentations (never changes a recorded one); a re-run with the same inputs appends nothing."""
    month = month_of(context.partition_key)
    now = timestamp()
    settings = home.settings()
    with warehouse.transaction() as con:
        decisions, bad_rows = load_decisions(con, home.entrees, month, now)
        written = apply_write_offs(con, home.entrees, month, now)
        requests = read_refund_requests(con, home.entrees, month, now)
        past = history(con, month)  # the presentations and their returns: read once for the step
        s = run_matching(con, month, decisions, now, settings=settings, reserved=requests.reserved(),
                         pending=pending_collections(con, month, past))  # fmt: skip
        refunds = apply_refunds(con, requests, settings, month, now)
        presented = present(con, settings, month, now, past)
        chain = seal(con, now, ["affectation"])  # each allocation sealed in the transaction that records it
    write_anchor(home.sorties, month, chain)
    statuses = {status: n for status, (n, _) in s.by_status.items()}
    return dg.MaterializeResult(
        metadata={
            "mois": month,
            "non_valeurs": written.write_offs,
            "montant_non_valeurs": str(written.written_off),
            "remboursements": refunds.refunds,
            "montant_rembourse": str(refunds.refunded),
            "sans_iban_pour_rembourser": len(refunds.without_iban),
            "prelevements_presentes": len(presented),
            "montant_preleve": str(sum((p.amount for p in presented), Decimal("0.00"))),
            "decisions_tresorerie_ecartees": written.rejected + refunds.rejected,
            "lignes_examinees": s.lines,
            "affectations_nouvelles": s.allocations,
            "montant_affecte": str(s.allocated),
            "factures_soldees": s.settled,
            "factures_rouvertes": s.reopened,
            "lignes_par_etat": dg.MetadataValue.json(statuses),
            "non_rapprochees": statuses.get("non_rapproche", 0),
            "decisions_ecartees": s.rejected_decisions + bad_rows,
            "decisions_deja_appliquees": s.decisions_applied,
        }
    )


@dg.asset(
    group_name="payments",
    kinds={"csv"},
    pool=POOL,
    partitions_def=months,
    deps=[allocations],
    description="Fichiers de lettrage du mois (rapprochements, lignes en attente) et de trésorerie (SEPA).",
)
def matching_files(
    context: dg.AssetExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Writes sorties/AAAA-MM/lettrage/rapprochements.csv (allocations recorded by the month's closes) and
    non_rapproches.csv (the bank lines up to the month's end waiting for a manual decision), and the treasury
    files: tresorerie/prelevements.xml (pain.008) and remboursements.xml (pain.001)."""
    month = month_of(context.partition_key)
    settings = home.settings()
    with warehouse.transaction() as con:
        counts = write_matching_files(con, home.sorties, month)
        counts |= write_treasury_files(con, settings, home.sorties, month)
        chain = seal(con, timestamp(), ["fichier"])  # rapprochements.csv sealed in the transaction that writes it
    write_anchor(home.sorties, month, chain)
    return dg.MaterializeResult(metadata=counts)
