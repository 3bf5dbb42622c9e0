"""Statement controls (docs/rules.md "Controls and reconciliations"): a statement's opening balance plus its movements
equals its closing balance (error), and consecutive statements of an account chain without gap or overlap (warning).
Plain functions of parsed statements; the payment stage's checks will run them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from assets.payments.statements import Statement


@dataclass(frozen=True)
class StatementProblem:
    file: str
    account: str
    statement: int  # rank of the statement in its file, from 1
    problem: str


def unbalanced(statements: list[Statement], file: str) -> list[StatementProblem]:
    """Statements whose opening balance + movements differs from the closing balance (to the cent)."""
    out = []
    for rank, s in enumerate(statements, start=1):
        if s.closing_balance is None or not s.has_balances:
            continue  # a notification or intraday report has no balances to check
        if not s.balanced:
            gap = s.closing_balance - (s.opening_balance + s.movements)
            out.append(
                StatementProblem(
                    file,
                    s.account,
                    rank,
                    f"solde initial {_fr(s.opening_balance)} + mouvements {_fr(s.movements)} ≠ solde final "
                    f"{_fr(s.closing_balance)} (écart {_fr(gap)})",
                )
            )
    return out


def chain_breaks(statements: list[tuple[str, Statement]]) -> list[StatementProblem]:
    """Consecutive statements of each account (all files together, by date): the opening balance of one
    must be the closing balance of the one before, and their periods must neither leave a gap nor
    overlap. `statements` are (file, statement) pairs."""
    by_account: dict[str, list[tuple[str, int, Statement]]] = {}
    for rank, (file, s) in enumerate(statements, start=1):
        if s.opening_date is not None:
            by_account.setdefault(s.account, []).append((file, rank, s))
    out = []
    for account, items in sorted(by_account.items()):
        items.sort(key=lambda x: (x[2].opening_date, x[2].closing_date or x[2].opening_date))
        for (_, _, before), (file, rank, after) in zip(items, items[1:], strict=False):
            end = before.closing_date or before.opening_date
            if end is None or after.opening_date is None:
                continue
            if before.closing_balance is not None and after.opening_balance != before.closing_balance:
                out.append(
                    StatementProblem(
                        file,
                        account,
                        rank,
                        f"solde initial {_fr(after.opening_balance)} du {after.opening_date:%d/%m/%Y} ≠ solde final "
                        f"{_fr(before.closing_balance)} du relevé précédent ({end:%d/%m/%Y})",
                    )
                )
            elif after.opening_date < end:
                out.append(
                    StatementProblem(
                        file,
                        account,
                        rank,
                        f"relevé du {after.opening_date:%d/%m/%Y} chevauchant le précédent (jusqu'au {end:%d/%m/%Y})",
                    )
                )
            elif after.opening_date > end + dt.timedelta(days=1):
                out.append(
                    StatementProblem(
                        file,
                        account,
                        rank,
                        f"relevés manquants entre le {end:%d/%m/%Y} et le {after.opening_date:%d/%m/%Y}",
                    )
                )
    return out


def _fr(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")
