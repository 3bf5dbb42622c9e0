"""Controls of the payment stage (docs/rules.md "Controls and reconciliations"): bank files readable, each statement
balanced (opening balance + movements = closing balance), consecutive statements chained, rows set aside;
allocations consistent with their lines and invoices, and the unmatched queue.

Unreadable files, unbalanced statements and inconsistent allocations are errors: matching (and what comes
after it: dunning, accounting) must not run on missing or wrong receipts. The rest are warnings.
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal

import dagster as dg
import duckdb

from assets.common.controls import ERROR, WARNING, ControlOutcome
from assets.common.months import month_bounds, month_end
from assets.common.outputs import french_amount
from assets.common.partitions import month_of
from assets.common.resources import POOL, HomeResource, WarehouseResource
from assets.common.settings import Settings
from assets.common.warehouse import query_frame, run_sql
from assets.payments.assets import allocations, bank_lines
from assets.payments.statement_checks import chain_breaks
from assets.payments.statements import Statement
from checks.ingest import control_quarantine
from checks.wiring import check_result, check_spec, examples, run_controls

PAYMENTS = "encaissements"


def control_bank_files(con: duckdb.DuckDBPyConnection, month: str) -> ControlOutcome:
    bad = run_sql(con, "checks/payments/unreadable_files.sql", {"month": month})
    return ControlOutcome(
        "banque_fichiers_lisibles",
        PAYMENTS,
        ERROR,
        not bad,
        len(bad),
        " ; ".join(error for _, error in bad) if bad else "chaque relevé et fichier d'encaissements est lu",
        [{"fichier": path} for path, _ in bad[:5]],
    )


def _statements(con: duckdb.DuckDBPyConnection, month: str) -> list[tuple[str, int, Statement, Decimal, bool]]:
    """(file, rank, statement without its lines, movements, has balances) of the month's files."""
    return [
        (path, rank, Statement(account, currency, opened, opening, closed, closing), movements, has_balances)
        for path, rank, account, currency, opened, opening, closed, closing, movements, has_balances in run_sql(
            con, "checks/payments/month_statements.sql", {"month": month}
        )
    ]


def control_statement_balances(con: duckdb.DuckDBPyConnection, month: str) -> ControlOutcome:
    problems = []
    for path, rank, s, movements, has_balances in _statements(con, month):
        if has_balances and s.closing_balance is not None and s.opening_balance + movements != s.closing_balance:
            gap = s.closing_balance - s.opening_balance - movements
            problems.append({"fichier": path, "releve": rank, "compte": s.account, "ecart": str(gap)})
    return ControlOutcome(
        "releves_equilibres",
        PAYMENTS,
        ERROR,
        not problems,
        len(problems),
        f"{len(problems)} relevé(s) dont le solde initial + les mouvements ≠ le solde final"
        if problems
        else "chaque relevé : solde initial + mouvements = solde final",
        problems[:5],
    )


def control_statement_chain(con: duckdb.DuckDBPyConnection, month: str) -> ControlOutcome:
    """Breaks in the chain of an account's statements where the later statement covers the month."""
    stored = [(path, s) for path, _, s, _, has_balances in _statements(con, month) if has_balances]
    first, last = month_bounds(month)
    problems = []
    for p in chain_breaks(stored):
        s = stored[p.statement - 1][1]  # chain_breaks ranks the statements of its input from 1
        if s.opening_date is not None and s.opening_date <= last and (s.closing_date or s.opening_date) >= first:
            problems.append({"fichier": p.file, "compte": p.account, "probleme": p.problem})
    return ControlOutcome(
        "releves_enchaines",
        PAYMENTS,
        WARNING,
        not problems,
        len(problems),
        f"{len(problems)} rupture(s) dans la suite des relevés d'un compte"
        if problems
        else "les relevés de chaque compte se suivent sans trou ni chevauchement",
        problems[:5],
    )


def control_allocations(con: duckdb.DuckDBPyConnection) -> ControlOutcome:
    frame = query_frame(con, "checks/payments/allocation_consistency.sql")
    return ControlOutcome(
        "lettrage_coherent",
        PAYMENTS,
        ERROR,
        frame.is_empty(),
        frame.height,
        f"{frame.height} ligne(s) ou facture(s) affectée(s) au-delà de leur montant"
        if frame.height
        else "aucune ligne ni facture affectée au-delà de son montant",
        examples(frame),
    )


def control_queue(con: duckdb.DuckDBPyConnection, month: str) -> ControlOutcome:
    frame = query_frame(con, "checks/payments/queue.sql", {"cutoff": month_end(month)})
    total = sum(frame["montant"].to_list(), Decimal("0.00"))
    return ControlOutcome(
        "lignes_non_rapprochees",
        PAYMENTS,
        WARNING,
        frame.is_empty(),
        frame.height,
        f"{frame.height} ligne(s) bancaire(s) pour {french_amount(total)} € attendent une décision "
        "(lettrage_manuel.csv)"
        if frame.height
        else "aucune ligne bancaire en attente de décision",
        examples(frame),
    )


def control_credits(con: duckdb.DuckDBPyConnection, month: str) -> ControlOutcome:
    """Receipts whose surplus stays to their payer's credit: nobody is chased for what it covers, so a person
    must place it."""
    frame = query_frame(con, "checks/payments/credits.sql", {"cutoff": month_end(month)})
    total = sum(frame["non_affecte"].to_list(), Decimal("0.00"))
    return ControlOutcome(
        "credits_non_affectes",
        PAYMENTS,
        WARNING,
        frame.is_empty(),
        frame.height,
        f"{frame.height} ligne(s) bancaire(s) laissent {french_amount(total)} € au crédit de leur payeur, sans "
        "facture ouverte où l'imputer (ou imputation désactivée pour son type) : remboursé passé le délai, ou à "
        "affecter (lettrage_manuel.csv) ; les relances de ce que ce crédit couvre sont suspendues"
        if frame.height
        else "aucun excédent d'encaissement à affecter",
        examples(frame),
    )


def control_refunds_without_account(con: duckdb.DuckDBPyConnection, settings: Settings, month: str) -> ControlOutcome:
    """Credits old enough to be refunded whose payer has no IBAN (no mandate, none in the referential): they
    stay, and nobody is refunded until the referential gives one."""
    cutoff = month_end(month)
    since = cutoff - dt.timedelta(days=settings.credits.remboursement_jours)
    frame = query_frame(con, "checks/payments/refunds_without_account.sql", {"since": since})
    total = sum(frame["credit"].to_list(), Decimal("0.00"))
    return ControlOutcome(
        "remboursements_impossibles",
        PAYMENTS,
        WARNING,
        frame.is_empty(),
        frame.height,
        f"{frame.height} payeur(s) ont {french_amount(total)} € de crédit à rembourser sans IBAN connu "
        "(mandats.csv, financeurs.csv ou usagers.csv)"
        if frame.height
        else "aucun crédit à rembourser sans IBAN",
        examples(frame),
    )


BANK_CHECKS = ("banque_fichiers_lisibles", "releves_equilibres", "releves_enchaines", "banque_lignes_rejetees")
MATCHING_CHECKS = (
    "lettrage_coherent",
    "lignes_non_rapprochees",
    "credits_non_affectes",
    "lettrage_decisions_rejetees",
    "tresorerie_decisions_rejetees",
    "remboursements_impossibles",
)
_BLOCKING = {"banque_fichiers_lisibles", "releves_equilibres", "lettrage_coherent"}


def _specs(asset: dg.AssetsDefinition, names: Iterable[str]) -> list[dg.AssetCheckSpec]:
    return [check_spec(name, asset, blocking=name in _BLOCKING) for name in names]


@dg.multi_asset_check(specs=_specs(bank_lines, BANK_CHECKS), pool=POOL)
def bank_controls(
    context: dg.AssetCheckExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> Iterator[dg.AssetCheckResult]:
    """Bank files readable and statements balanced (errors: matching waits); statements of an account
    chained and receipt rows set aside (warnings)."""
    month = month_of(context.partition_key)
    outcomes = run_controls(
        home,
        warehouse,
        month,
        lambda con: [
            control_bank_files(con, month),
            control_statement_balances(con, month),
            control_statement_chain(con, month),
            control_quarantine(con, "banque", month, "banque_lignes_rejetees", PAYMENTS),
        ],
    )
    for outcome in outcomes:
        yield check_result(outcome, context)


@dg.multi_asset_check(specs=_specs(allocations, MATCHING_CHECKS), pool=POOL)
def matching_controls(
    context: dg.AssetCheckExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> Iterator[dg.AssetCheckResult]:
    """No receipt nor invoice allocated beyond its amount (error); the lines waiting for a decision, the
    credits left to place, the decisions set aside (lettrage_manuel.csv, non_valeurs.csv, remboursements.csv)
    and the credits that cannot be refunded for want of an IBAN (warnings)."""
    month = month_of(context.partition_key)
    settings = home.settings()
    outcomes = run_controls(
        home,
        warehouse,
        month,
        lambda con: [
            control_allocations(con),
            control_queue(con, month),
            control_credits(con, month),
            control_quarantine(con, "lettrage", month, "lettrage_decisions_rejetees", PAYMENTS),
            control_quarantine(con, "tresorerie", month, "tresorerie_decisions_rejetees", PAYMENTS),
            control_refunds_without_account(con, settings, month),
        ],
    )
    for outcome in outcomes:
        yield check_result(outcome, context)
