"""What must hold before a month issues anything.

Months close in order (docs/rules.md "Accounting entries": a month once exported is locked, and each file
continues the numbers of the one before). A month is closed once its close exported its entry file; every
month from the association's first to the one before must be closed before a month issues anything, or its
documents, receipts and entries would be taken by the wrong month (a February closed before January exported
January's invoices and receipts in February's file, and January never got one).

The association's first month is the first month closed; before any, `premier_mois` of the settings, else the
first month of activity dropped in `entrees/activite/` (where the partitions start: assets/common/partitions.py).
Error-level, on the month's activity: a refused month values, issues, exports and sends nothing.

A resident, payer or stay that issued documents in the months a close recomputes and is missing from the
referential is an error naming it, before any valuation (docs/rules.md "Validation before issuing"): without it, its
billed days would be valued at nothing and credited.

The mass credit guard (same section): the credit notes one close would issue to one payer, above both a share of
what that payer was billed for the month before and an amount (settings `avoirs_massifs`, 20 % and 10,000.00 €
by default), are held: an error-level control until they are confirmed for that payer. Small corrections (a
resident's month credited back, a re-sent extract) are not held."""

from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb

from assets.billing.issuing import Draft
from assets.billing.valuation import open_months
from assets.common.controls import ERROR, ControlOutcome
from assets.common.months import add_months
from assets.common.outputs import french_amount
from assets.common.partitions import association_first_month, month_of
from assets.common.resources import POOL, HomeResource, WarehouseResource
from assets.common.settings import Settings
from assets.common.warehouse import query_frame, run_sql
from assets.ingest.assets import activity_days, referential
from checks.wiring import REFERENTIAL, asset_check, check_result, examples, run_controls

CLOSING = "cloture"


def months_to_close_first(exported: list[str], first_activity: str | None, month: str) -> tuple[str, list[str]]:
    """(the association's first month, the months before `month` not closed yet, in order). A month before
    the first month closed cannot be closed any more: it is returned alone, as the one to look at."""
    first = exported[0] if exported else min(first_activity or month, month)
    if month < first:
        return first, [month]
    done = set(exported)
    missing, current = [], first
    while current < month:
        if current not in done:
            missing.append(current)
        current = add_months(current, 1)
    return first, missing


def control_month_order(con: duckdb.DuckDBPyConnection, entrees: Path, month: str) -> ControlOutcome:
    exported = [m for (m,) in run_sql(con, "checks/closing/exported_months.sql")]
    first, missing = months_to_close_first(exported, association_first_month(entrees.parent), month)
    if not missing:
        detail = f"les mois depuis le premier ({first}) sont clôturés" if first < month else "premier mois clôturé"
    elif missing == [month]:
        detail = (
            f"{month} précède le premier mois clôturé ({first}) : ses fichiers suivraient ceux des mois après lui ; "
            "il ne peut plus être clôturé"
        )
    else:
        shown = ", ".join(missing[:6]) + (" …" if len(missing) > 6 else "")
        detail = f"{len(missing)} mois avant {month} non clôturé(s) ({shown}) : clôturer d'abord {missing[0]}"
    examples = [{"mois_a_cloturer": m} for m in missing[:5]]
    return ControlOutcome("mois_precedents_clotures", CLOSING, ERROR, not missing, len(missing), detail, examples)


@asset_check(asset=activity_days, name="mois_precedents_clotures", blocking=True, pool=POOL)
def month_order_control(
    context: dg.AssetCheckExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    """Mois précédents clôturés : un mois n'émet rien tant qu'un mois avant lui, depuis le premier, n'est pas
    clôturé (son fichier d'écritures exporté)."""
    month = month_of(context.partition_key)
    (outcome,) = run_controls(home, warehouse, month, lambda con: [control_month_order(con, home.entrees, month)])
    return check_result(outcome, context)


def control_billed_missing(con: duckdb.DuckDBPyConnection, since: str) -> ControlOutcome:
    """Residents, payers and stays billed since `since` and missing from the referential."""
    frame = query_frame(con, "checks/closing/billed_missing.sql", {"since": since})
    if frame.is_empty():
        detail = "chaque usager, financeur et séjour facturé est au référentiel"
    else:
        first = frame.row(0, named=True)
        shown = {"usager": "usager", "financeur": "financeur", "sejour": "séjour de l'usager"}[first["absent"]]
        detail = (
            f"{frame.height} usager(s), financeur(s) ou séjour(s) facturé(s) absent(s) du référentiel, la valorisation "
            f"est bloquée : {shown} {first['identifiant']} ({first['etablissement']}) ; un identifiant qui a perdu ses "
            "zéros ou une ligne supprimée ?"
        )
    return ControlOutcome("factures_sans_referentiel", REFERENTIAL, ERROR, frame.is_empty(), frame.height, detail,
                          examples(frame))  # fmt: skip


@asset_check(asset=referential, name="factures_sans_referentiel", blocking=True, pool=POOL)
def billed_missing_control(
    context: dg.AssetCheckExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    """Facturés absents du référentiel : un usager, un financeur ou un séjour qui a reçu des factures des mois
    qu'une clôture recalcule et que le référentiel n'a plus bloque la valorisation."""
    tag = context.run.tags.get("dagster/partition")
    month = month_of(tag) if tag else None
    since = open_months(month, home.settings())[0] if month else "0000-00"
    (outcome,) = run_controls(home, warehouse, month, lambda con: [control_billed_missing(con, since)])
    return check_result(outcome, context)


def control_mass_credits(
    con: duckdb.DuckDBPyConnection, settings: Settings, month: str, drafted: Draft | str
) -> ControlOutcome:
    """The payers the drafted close (`drafted`: an `issuing.Draft`, or the issuing's refusal of its date) would
    give credit notes above both `avoirs_massifs.part` % of their invoices of the month before and
    `avoirs_massifs.montant`."""
    if isinstance(drafted, str):
        return ControlOutcome("avoirs_massifs", "facturation", ERROR, True, 0, f"non évalué : {drafted}")
    credited: dict[str, Decimal] = {}
    for doc in drafted.documents:
        if doc["type"] == "avoir":
            credited[doc["payer_code"]] = credited.get(doc["payer_code"], Decimal("0.00")) - doc["amount"]
    before = add_months(month, -1)
    billed = dict(run_sql(con, "checks/closing/billed_before.sql", {"month": before, "payers": sorted(credited)}))
    guard = settings.avoirs_massifs
    rows = []
    for payer, amount in sorted(credited.items()):
        previous = billed.get(payer, Decimal("0.00"))
        if amount > guard.montant and amount > previous * guard.part / 100:
            rows.append({"code_financeur": payer, "avoirs": str(amount), f"facture_{before}": str(previous)})
    if rows:
        first = rows[0]
        detail = (
            f"{len(rows)} financeur(s) recevraient des avoirs au-delà de {guard.part} % de leur facturation de "
            f"{before} et de {french_amount(guard.montant)} € : retenus, l'émission attend leur confirmation ; "
            f"{first['code_financeur']} : {french_amount(Decimal(first['avoirs']))} € d'avoirs pour "
            f"{french_amount(billed.get(first['code_financeur'], Decimal('0.00')))} € facturés"
        )
    else:  # the same whatever is left to issue: a close run again after an interruption writes the same controls
        detail = (
            f"aucun financeur ne recevrait d'avoirs au-delà de {guard.part} % de sa facturation de {before} et de "
            f"{french_amount(guard.montant)} €"
        )
    return ControlOutcome("avoirs_massifs", "facturation", ERROR, not rows, len(rows), detail, rows[:5])
