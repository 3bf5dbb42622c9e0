"""Dagster assets of the accounting stage: the month's entries and their file in the FEC layout."""

import dagster as dg

from assets.accounting.entry_file import build_entries, check_reciprocity, export_month
from assets.billing.assets import issue_date, issued_documents
from assets.common.audit import seal, write_anchor
from assets.common.partitions import month_of, months
from assets.common.resources import POOL, HomeResource, WarehouseResource, timestamp
from assets.payments.assets import allocations


@dg.asset(
    group_name="accounting",
    kinds={"duckdb"},
    pool=POOL,
    partitions_def=months,
    deps=[issued_documents, allocations],
    description="Écritures du mois : journal des ventes (VT) et de banque (BQ), numérotées par journal.",
)
def accounting_entries(
    context: dg.AssetExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Builds the entries of every document and receipt dated up to the month's end that no file carries
    yet (docs/rules.md "Accounting entries"): VT per invoice and credit note, BQ per receipt and return, 4711
    for a receipt nobody is known for and its move to the payer once matched. A locked (exported) month is
    left as it is."""
    month = month_of(context.partition_key)
    when = issue_date(context, warehouse)
    with warehouse.transaction() as con:
        s = build_entries(con, home.settings(), month, when)
    return dg.MaterializeResult(
        metadata={
            "mois": month,
            "verrouille": s.locked,
            "documents": s.documents,
            "encaissements": s.receipts,
            "affectations_depuis_4711": s.transfers,
            "lignes": s.lines,
            "lettres_au_fichier_de_lettrage": s.letters,
        }
    )


@dg.asset(
    group_name="accounting",
    kinds={"csv"},
    pool=POOL,
    partitions_def=months,
    deps=[accounting_entries],
    description="Fichier des écritures du mois (format FEC), validé avant d'être écrit, et fichier de lettrage ; "
    "verrouille le mois.",
)
def entry_file(
    context: dg.AssetExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Writes sorties/AAAA-MM/comptabilite/ecritures_AAAA-MM.txt (18 FEC columns, separator and encoding of
    the settings) after checking it with the FEC validator, and lettrage_AAAA-MM.csv (the letters given or
    taken back since the last one, with both sides' lines), then locks the month."""
    month = month_of(context.partition_key)
    now = timestamp()
    with warehouse.transaction() as con:
        path, lines, written = export_month(con, home.settings(), home.sorties, month, now)
        chain = seal(con, now, ["ecriture", "verrouillage", "fichier"])  # the lines, the lock and the files
    write_anchor(home.sorties, month, chain)
    return dg.MaterializeResult(metadata={"fichier": str(path.name), "lignes": lines, "ecrit": written})


@dg.asset(
    group_name="accounting",
    kinds={"duckdb", "csv"},
    pool=POOL,
    partitions_def=months,
    deps=[entry_file],
    description="Réciprocité comptable : solde 411 de chaque payeur au grand livre relu contre Recettes.",
)
def ledger_reciprocity(
    context: dg.AssetExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Reads back the general ledger the accounting software exported (entrees/comptabilite/*.txt, FEC
    layout, the latest by its last date) and compares each payer's 411 balance with Recettes' on that date;
    writes sorties/AAAA-MM/comptabilite/reciprocite.csv with the entries that explain each gap."""
    month = month_of(context.partition_key)
    with warehouse.transaction() as con:
        s = check_reciprocity(con, home.settings(), home.entrees, home.sorties, month, timestamp())
    return dg.MaterializeResult(
        metadata={
            "grand_livre": s.ledger or "aucun",
            "date": s.on.isoformat() if s.on else "",
            "payeurs_compares": s.payers,
            "ecarts": s.differences,
            "fichiers_illisibles": dg.MetadataValue.json(s.unreadable or {}),
        }
    )
