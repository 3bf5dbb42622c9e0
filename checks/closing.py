"""Months close in order (DOMAIN.md "Accounting entries": a month once exported is locked, and each file
continues the numbers of the one before). A month is closed once its close exported its entry file; every
month from the association's first to the one before must be closed before a month issues anything, or its
documents, receipts and entries would be taken by the wrong month (a February closed before January exported
January's invoices and receipts in February's file, and January never got one).

The association's first month is the first month closed; before any, the first month of activity dropped in
`entrees/activite/`. Error-level, on the valuation: a refused month issues, exports and sends nothing."""

import re
from pathlib import Path

import dagster as dg

from assets.billing.assets import valued_days
from assets.billing.valuation import add_months
from assets.common.warehouse import run_sql
from checks.controls import ERROR, ControlOutcome
from checks.wiring import check_result, run_controls
from pipelines.partitions import month_of
from pipelines.resources import POOL, HomeResource, WarehouseResource

CLOSING = "cloture"
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def first_activity_month(entrees: Path) -> str | None:
    """The first month folder of `entrees/activite/` (AAAA-MM), if any."""
    folder = entrees / "activite"
    months = sorted(p.name for p in folder.iterdir() if _MONTH.fullmatch(p.name)) if folder.is_dir() else []
    return months[0] if months else None


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


def control_month_order(con, entrees: Path, month: str) -> ControlOutcome:
    exported = [m for (m,) in run_sql(con, "checks/closing/exported_months.sql")]
    first, missing = months_to_close_first(exported, first_activity_month(entrees), month)
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


@dg.asset_check(asset=valued_days, name="mois_precedents_clotures", blocking=True, pool=POOL)
def month_order_control(context: dg.AssetCheckExecutionContext, home: HomeResource, warehouse: WarehouseResource):
    """Mois précédents clôturés : un mois n'émet rien tant qu'un mois avant lui, depuis le premier, n'est pas
    clôturé (son fichier d'écritures exporté)."""
    month = month_of(context.partition_key)
    (outcome,) = run_controls(home, warehouse, month, lambda con: [control_month_order(con, home.entrees, month)])
    return check_result(outcome)
