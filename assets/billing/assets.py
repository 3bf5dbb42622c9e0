"""Dagster assets of the billing stage: valued days, issued documents, and the month's billing files."""

import datetime as dt
from decimal import Decimal

import dagster as dg

from assets.billing.documents import render_month
from assets.billing.issuing import IssueSummary, draft, issue
from assets.billing.outputs import write_billing_files
from assets.billing.prefacturation import write_prefacturation
from assets.billing.validation import (
    drafting_date,
    emission_plan,
    mark_issued,
    month_issue_date,
    prepare,
    validate,
    waiting_issue_date,
)
from assets.billing.valuation import store_valuation
from assets.common.audit import seal, write_anchor
from assets.common.partitions import month_of, months
from assets.common.resources import (
    CONFIRM_TAG,
    DATE_TAG,
    POOL,
    VALIDATE_TAG,
    HomeResource,
    WarehouseResource,
    timestamp,
)
from assets.ingest.assets import activity_days


def tagged_date(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> dt.date | None:
    """The run's tag `recettes/date_emission` (AAAA-MM-JJ), if any."""
    tag = context.run.tags.get(DATE_TAG)
    if not tag:
        return None
    try:
        return dt.date.fromisoformat(tag)
    except ValueError:
        raise ValueError(f"étiquette {DATE_TAG} : date attendue au format AAAA-MM-JJ, lu : {tag!r}") from None


def issue_date(
    context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dt.date:
    """The run's issue date: the tag `recettes/date_emission`, else the issue date of the month's latest
    validation. Never today by default: a month nobody validated has none, and its run stops before issuing."""
    tagged = tagged_date(context)
    if tagged is not None:
        return tagged
    month = month_of(context.partition_key)
    with warehouse.get().connect() as con:
        validated = month_issue_date(con, month)
    if validated is None:
        raise dg.Failure(
            f"{month} n'a pas de date d'émission : personne n'a validé sa pré-facturation "
            "(job validation_mensuelle, ou recettes valider --month … --par … --date-emission …)"
        )
    return validated


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
    kinds={"csv", "html"},
    pool=POOL,
    partitions_def=months,
    deps=[valued_days],
    description="Pré-facturation : ce que l'émission donnerait, par établissement et financeur, avec les contrôles "
    "et la liste de suivi du mois ; aucun numéro n'est donné.",
)
def prefacturation(
    context: dg.AssetExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """The préparation's draft (docs/rules.md "Validation before issuing"): what the émission would issue per
    establishment and payer (`issuing.draft`, read-only), the held amounts, the changes and the controls,
    written under sorties/AAAA-MM/prefacturation/ (CSV and one HTML page opening on the month's checklist),
    and each establishment's fingerprint recorded for its validation. A run tagged `recettes/valider_par`
    (`recettes run`) validates, as that person, every establishment no control holds."""
    month = month_of(context.partition_key)
    settings = home.settings()
    now = timestamp()
    by = context.run.tags.get(VALIDATE_TAG, "").strip()
    given = tagged_date(context)
    with warehouse.transaction() as con:
        when = drafting_date(con, month, given or waiting_issue_date(con, month))
        drafted = draft(con, settings, month, when, now)
        prepared = prepare(con, settings, month, drafted, now)
        validated = None
        if by and given is not None:
            validated = validate(con, month, None, by, given, issue_date_confirmed(context), now)
        written = write_prefacturation(con, settings, home.sorties, month, drafted, now)
    held = [p.establishment_code for p in prepared if p.blocked]
    if held:
        context.log.warning(f"établissement(s) retenu(s) par un contrôle : {', '.join(held)}")
    return dg.MaterializeResult(
        metadata={
            "mois": month,
            "etablissements": len(prepared),
            "documents": len(drafted.documents),
            "montant": str(sum((p.amount for p in prepared), Decimal("0.00"))),
            "retenus": ", ".join(held),
            "valides": ", ".join(validated.validated) if validated else "",
            "page": str(written.relative_to(home.sorties)),  # under sorties/
        }
    )


@dg.asset(
    group_name="billing",
    kinds={"duckdb"},
    pool=POOL,
    partitions_def=months,
    deps=[prefacturation],
    description="Factures et avoirs émis pour les établissements validés (registre inaltérable, numérotation "
    "continue).",
)
def issued_documents(
    context: dg.AssetExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """The émission: for the establishments validated and unchanged since (`validation.emission_plan`), compares
    what is due with what was issued for the month and the open months before it, and issues the differences
    (docs/rules.md B11, B12): first invoices, complementary invoices, credit notes naming the invoice they
    correct, numbered F/A per calendar year in the same transaction, dated on the validation's issue date. The
    others are held, named. A month nobody validated stops here: nothing is numbered without a validation."""
    month = month_of(context.partition_key)
    settings = home.settings()
    now = timestamp()
    with warehouse.transaction() as con:
        plan = emission_plan(con, month)
        if plan.issue_date is None and month_issue_date(con, month) is None:
            reasons = "; ".join(f"{code} : {why}" for code, why in sorted(plan.held.items()))
            raise dg.Failure(
                f"{month} : aucun établissement validé, rien n'est émis"
                + (f" ({reasons})" if reasons else "")
                + " ; validez la pré-facturation (job validation_mensuelle, ou recettes valider)"
            )
        summary = IssueSummary()
        if plan.issue_date is not None:
            summary = issue(con, settings, month, plan.issue_date, now, plan.establishments)
            mark_issued(con, month, plan.establishments, now)
            # what is left to issue (the held establishments') is what the next validation sees
            prepare(con, settings, month, draft(con, settings, month, drafting_date(con, month, None), now), now)
        chain = seal(con, now, ["document"])  # each document sealed in the transaction that issues it
    write_anchor(home.sorties, month, chain)
    for code, why in sorted(plan.held.items()):
        context.log.warning(f"établissement {code} retenu : {why}")
    return dg.MaterializeResult(
        metadata={
            "mois": month,
            "date_emission": plan.issue_date.isoformat() if plan.issue_date else "",
            "etablissements_emis": ", ".join(plan.establishments),
            "etablissements_retenus": "; ".join(f"{c} ({w})" for c, w in sorted(plan.held.items())),
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
    when = issue_date(context, warehouse)
    with warehouse.transaction() as con:
        counts = write_billing_files(con, settings, home.sorties, month, when)
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
    when = issue_date(context, warehouse)
    with warehouse.transaction() as con:
        summary = render_month(con, settings, home.sorties, month, when, now)
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
