"""Dagster assets of the billing stage: valued days, issued documents, and the month's billing files."""

import datetime as dt

import dagster as dg

from assets.billing.documents import render_month
from assets.billing.issuing import issue
from assets.billing.outputs import write_billing_files
from assets.billing.valuation import store_valuation
from assets.common.audit import seal, write_anchor
from assets.common.partitions import month_of, months
from assets.common.resources import CONFIRM_TAG, DATE_TAG, POOL, HomeResource, WarehouseResource, timestamp
from assets.ingest.assets import activity_days


def issue_date(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> dt.date:
    """The run's issue date: the tag `recettes/date_emission` (AAAA-MM-JJ), else today."""
    tag = context.run.tags.get(DATE_TAG)
    if not tag:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(tag)
    except ValueError:
        raise ValueError(f"étiquette {DATE_TAG} : date attendue au format AAAA-MM-JJ, lu : {tag!r}") from None


def issue_date_confirmed(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> bool:
    """The run says an unusual issue date is meant: the tag `recettes/confirmer_date` is "oui"."""
    return context.run.tags.get(CONFIRM_TAG, "").strip().lower() == "oui"


@dg.asset(
    group_name="billing",
    kinds={"duckdb"},
    pool=POOL,
    partitions_def=months,
    deps=[activity_days],
    description="Valorisation de chaque journée d'activité : séjour, tarif, financeur, catégorie, montant, état.",
)
def valued_days(
    context: dg.AssetExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Values every activity day of the month and of the open months before it (docs/rules.md B2-B9, B12):
    stay, rate, payer, category, amount, and state (billed, held for a pending decision, or not billed
    with a reason); derives what is due per payer, establishment, resident and month (`due_lines`).
    Reads activity_days, the referential and the settings; only the (establishment, month) pairs whose
    inputs changed are valued again (valuation_state keeps each pair's fingerprint)."""
    month = month_of(context.partition_key)
    settings = home.settings()
    with warehouse.transaction() as con:
        summary = store_valuation(con, settings, month)
    by_state = summary.by_state
    zero = (0, 0)
    return dg.MaterializeResult(
        metadata={
            "mois": month,
            "journees": sum(n for n, _ in by_state.values()),
            "facturees": by_state.get("facture", zero)[0],
            "montant_facture": str(by_state.get("facture", zero)[1]),
            "en_attente": by_state.get("en_attente", zero)[0],
            "montant_en_attente": str(by_state.get("en_attente", zero)[1]),
            "non_facturees": by_state.get("non_facture", zero)[0],
            "couples_etablissement_mois_revalorises": summary.pairs,
        }
    )


@dg.asset(
    group_name="billing",
    kinds={"duckdb"},
    pool=POOL,
    partitions_def=months,
    deps=[valued_days],
    description="Factures et avoirs émis (registre inaltérable, numérotation continue).",
)
def issued_documents(
    context: dg.AssetExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Compares what is due with what was issued for the month and the open months before it, and issues
    the differences (docs/rules.md B11, B12): first invoices, complementary invoices, credit notes naming the
    invoice they correct, numbered F/A per calendar year in the same transaction. Appends to documents
    and document_lines; a re-run with unchanged data issues nothing."""
    month = month_of(context.partition_key)
    settings = home.settings()
    when = issue_date(context)
    now = timestamp()
    with warehouse.transaction() as con:
        summary = issue(con, settings, month, when, now)
        chain = seal(con, now, ["document"])  # each document sealed in the transaction that issues it
    write_anchor(home.sorties, month, chain)
    return dg.MaterializeResult(
        metadata={
            "mois": month,
            "date_emission": when.isoformat(),
            "documents": summary.documents,
            "factures": summary.invoices,
            "avoirs": summary.credit_notes,
            "montant_facture": str(summary.invoiced),
            "montant_avoirs": str(summary.credited),
            "premier_numero": summary.numbers[0] if summary.numbers else "",
            "dernier_numero": summary.numbers[-1] if summary.numbers else "",
        }
    )


@dg.asset(
    group_name="billing",
    kinds={"csv"},
    pool=POOL,
    partitions_def=months,
    deps=[issued_documents],
    description="Registre des factures, lignes, montants en attente, états mensuels des départements.",
)
def billing_files(
    context: dg.AssetExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Writes sorties/AAAA-MM/factures/registre.csv, lignes.csv, en_attente.csv and
    portail/etat_mensuel_<département>.csv (docs/contract.md) from the documents issued by the month's closes,
    the held days and the month's valuation."""
    month = month_of(context.partition_key)
    settings = home.settings()
    with warehouse.transaction() as con:
        counts = write_billing_files(con, settings, home.sorties, month, issue_date(context))
        chain = seal(con, timestamp(), ["fichier"])  # the register and its lines, sealed as they are written
    write_anchor(home.sorties, month, chain)
    return dg.MaterializeResult(metadata={k: v for k, v in counts.items()})


@dg.asset(
    group_name="billing",
    kinds={"pdf"},
    pool=POOL,
    partitions_def=months,
    deps=[issued_documents],
    description="PDF des factures et avoirs (Factur-X pour les payeurs publics), bordereaux, archive Chorus Pro.",
)
def invoice_documents(
    context: dg.AssetExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Renders sorties/AAAA-MM/factures/<numero>.pdf for every document of the month's closes not yet
    rendered (Factur-X EN 16931, PDF/A-3, for public payers), factures/bordereaux/bordereau_<payer>.pdf
    for each institutional payer, and factures/chorus_pro.zip of the Factur-X files. Records each file and
    its hash in document_files."""
    month = month_of(context.partition_key)
    settings = home.settings()
    now = timestamp()
    with warehouse.transaction() as con:
        summary = render_month(con, settings, home.sorties, month, issue_date(context), now)
        chain = seal(con, now, ["pdf"])  # each PDF's hash (document_files) sealed as it is recorded
    write_anchor(home.sorties, month, chain)
    per_second = summary.rendered / summary.seconds if summary.seconds and summary.rendered else 0
    return dg.MaterializeResult(
        metadata={
            "rendus": summary.rendered,
            "factur_x": summary.facturx,
            "deja_rendus": summary.kept,
            "bordereaux": summary.bordereaux,
            "secondes": round(summary.seconds, 1),
            "documents_par_seconde": round(per_second, 1),
        }
    )
