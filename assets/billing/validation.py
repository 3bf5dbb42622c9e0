"""The person between the préparation and the émission (docs/rules.md "Validation before issuing").

The préparation drafts what a close would issue (`issuing.draft`, no number kept) and records, per
establishment, a fingerprint of it: the documents with their lines, the held amounts and the activity of the open
months. A validation (`validate`) records who validated which establishments, the issue date, and the fingerprint
they saw. The émission (`emission_plan`) issues only the establishments whose latest validation is still waiting
and whose fingerprint is the current one; the others are held, with the reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb

from assets.billing.issuing import Draft, unusual_issue_date
from assets.billing.valuation import open_months
from assets.common.controls import held_establishments
from assets.common.months import month_end
from assets.common.settings import Settings
from assets.common.warehouse import run_sql

ZERO = Decimal("0.00")


class ValidationError(ValueError):
    """A validation refused as a whole (month not prepared, issue date refused): nothing is recorded."""


@dataclass(frozen=True)
class Prepared:
    """What the préparation drafted for one establishment."""

    establishment_code: str
    fingerprint: str
    documents: int
    amount: Decimal
    blocked: str | None  # the error-level controls that hold it


def drafting_date(con: duckdb.DuckDBPyConnection, month: str, given: dt.date | None) -> dt.date:
    """The date a préparation drafts on: the issue date given (run tag, pending validation), else the month's
    end or the latest issue date of the documents, whichever is later (a draft is numbered as it would be, and
    a number is never dated before the last of its series)."""
    if given is not None:
        return given
    latest = run_sql(con, "billing/latest_issue_date.sql")[0][0]
    end = month_end(month) + dt.timedelta(days=1)
    return max(end, latest) if latest else end


def prepare(
    con: duckdb.DuckDBPyConnection, settings: Settings, month: str, drafted: Draft, now: dt.datetime
) -> list[Prepared]:
    """Fingerprint what `drafted` would issue per establishment, with its held amounts and its activity of the
    open months, and record it as the month's préparation (replacing the previous one)."""
    first_month, last_month = open_months(month, settings)
    params = {"first_month": first_month, "last_month": last_month}
    parts: dict[str, dict[str, list]] = defaultdict(lambda: {"documents": [], "held": [], "activity": []})
    lines: dict[str, list] = defaultdict(list)
    for line in drafted.lines:
        lines[line["number"]].append(
            [line["resident_id"], line["category"], line["quantity"], str(line["unit_price"]), str(line["amount"])]
        )
    amounts: dict[str, Decimal] = defaultdict(lambda: ZERO)
    counts: dict[str, int] = defaultdict(int)
    for doc in drafted.documents:
        code = doc["establishment_code"]
        parts[code]["documents"].append(
            [
                doc["type"],
                doc["nature"],
                doc["service_month"],
                doc["payer_code"],
                str(doc["amount"]),
                doc["original_number"],
                lines[doc["number"]],
            ]
        )
        amounts[code] += doc["amount"]
        counts[code] += 1
    for code, *row in run_sql(con, "billing/held_by_establishment.sql", params):
        parts[code]["held"].append([str(x) for x in row])
    for code, *row in run_sql(con, "billing/activity_by_establishment.sql", params):
        parts[code]["activity"].append([str(x) for x in row])
    codes = {code for (code,) in run_sql(con, "billing/establishment_codes.sql")} | set(parts)
    # an association-wide error stopped the run before the préparation: what is left holds some establishments
    holding = held_establishments(con, month)
    out = []
    for code in sorted(codes):
        body = json.dumps({k: sorted(v, key=str) for k, v in parts[code].items()}, sort_keys=True, default=str)
        reasons = holding.get(code, [])
        out.append(
            Prepared(
                code,
                hashlib.sha256(body.encode()).hexdigest(),
                counts[code],
                amounts[code],
                ", ".join(sorted(set(reasons))) or None,
            )
        )
    run_sql(con, "billing/clear_prefacturation.sql", {"month": month})
    for p in out:
        run_sql(
            con,
            "billing/record_prefacturation.sql",
            {
                "month": month,
                "code": p.establishment_code,
                "fingerprint": p.fingerprint,
                "documents": p.documents,
                "amount": p.amount,
                "blocked": p.blocked,
                "now": now,
            },
        )
    return out


@dataclass
class Validation:
    validated: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # establishment -> why it cannot be validated


def issue_date_refusal(con: duckdb.DuckDBPyConnection, month: str, issue_date: dt.date, confirmed: bool) -> str | None:
    """Why `issue_date` cannot be given to the month's documents, or None. Earlier than the last document of its
    series: never (the numbering stays chronological). Before the month's end, or more than 60 days after it
    for the month's first émission: only when confirmed."""
    last = run_sql(con, "billing/last_numbers.sql", {"year": issue_date.year})
    for series, _, last_date in last:
        if issue_date < last_date:
            return (
                f"date d'émission {issue_date:%d/%m/%Y} antérieure à celle du dernier document de la série "
                f"{series}{issue_date.year} ({last_date:%d/%m/%Y}) : la numérotation doit rester chronologique"
            )
    unusual = unusual_issue_date(month, issue_date)
    if unusual is None or confirmed:
        return None
    if issue_date > month_end(month) and run_sql(con, "billing/month_issued.sql", {"month": month})[0][0]:
        return None  # closing again a month already issued, for its adjustments: no 60-day confirmation
    return f"{unusual} : confirmez-la explicitement (--confirmer) ou donnez une autre date"


def validate(
    con: duckdb.DuckDBPyConnection,
    month: str,
    codes: list[str] | None,
    by: str,
    issue_date: dt.date,
    confirmed: bool,
    now: dt.datetime,
) -> Validation:
    """Record the validation by `by` of the establishments `codes` (all when None) of the month's latest
    préparation, with the issue date and the fingerprint each was prepared with. An establishment held by an
    error-level control, or unknown, is refused and named; a refused issue date refuses all."""
    if not by.strip():
        raise ValidationError("validation sans nom : indiquez qui valide (--par)")
    prepared = {row[0]: row[1:] for row in run_sql(con, "billing/prefacturation_of.sql", {"month": month})}
    if not prepared:
        raise ValidationError(f"{month} n'est pas préparé : lancez d'abord la préparation (recettes preparer)")
    if refusal := issue_date_refusal(con, month, issue_date, confirmed):
        raise ValidationError(refusal)
    waiting = {d for (d,) in run_sql(con, "billing/waiting_dates.sql", {"month": month, "codes": codes or []})}
    if codes is None:
        waiting = set()  # validating all replaces every waiting validation
    if other := sorted(d for d in waiting if d != issue_date):
        raise ValidationError(
            f"des validations de {month} attendent leur émission à la date du {other[0]:%d/%m/%Y} : émettez-les "
            f"d'abord, ou validez à cette même date"
        )
    out = Validation()
    for code in sorted(prepared) if codes is None else codes:
        if code not in prepared:
            out.refused[code] = "établissement inconnu de la préparation du mois"
            continue
        fingerprint, blocked = prepared[code]
        if blocked:
            out.refused[code] = f"retenu par le(s) contrôle(s) : {blocked}"
            continue
        run_sql(
            con,
            "billing/record_validation.sql",
            {
                "month": month,
                "code": code,
                "by": by.strip(),
                "now": now,
                "issue_date": issue_date,
                "confirmed": confirmed,
                "fingerprint": fingerprint,
            },
        )
        out.validated.append(code)
    return out


@dataclass
class EmissionPlan:
    issue_date: dt.date | None = None
    establishments: list[str] = field(default_factory=list)
    held: dict[str, str] = field(default_factory=dict)  # establishment -> why it is not issued


def emission_plan(con: duckdb.DuckDBPyConnection, month: str) -> EmissionPlan:
    """What the émission of `month` issues: the establishments whose latest validation waits and whose
    préparation is unchanged since (same fingerprint), not held by a control; the others with something to
    issue are held, with the reason."""
    plan = EmissionPlan()
    dates = set()
    for code, fingerprint, documents, blocked, validated, seen, issue_date, by in run_sql(
        con, "billing/emission_state.sql", {"month": month}
    ):
        if blocked:
            if documents or validated:
                plan.held[code] = f"retenu par le(s) contrôle(s) : {blocked}"
        elif validated and seen != fingerprint:
            plan.held[code] = f"modifié depuis sa validation par {by} : à préparer et valider de nouveau"
        elif validated:
            plan.establishments.append(code)
            dates.add(issue_date)
        elif documents:
            plan.held[code] = "non validé"
    if len(dates) > 1:  # validate() refuses this; a warehouse edited by hand would be caught here
        raise ValidationError(f"validations de {month} à des dates différentes : {sorted(dates)}")
    plan.issue_date = dates.pop() if dates else None
    return plan


def mark_issued(con: duckdb.DuckDBPyConnection, month: str, codes: list[str], now: dt.datetime) -> None:
    run_sql(con, "billing/mark_validations_issued.sql", {"month": month, "codes": codes, "now": now})


def month_issue_date(con: duckdb.DuckDBPyConnection, month: str) -> dt.date | None:
    """The issue date of the month's latest validation, if any."""
    rows = run_sql(con, "billing/latest_validation_date.sql", {"month": month})
    return rows[0][0] if rows else None


def waiting_issue_date(con: duckdb.DuckDBPyConnection, month: str) -> dt.date | None:
    """The issue date of the month's validations waiting for their émission, if any."""
    dates = sorted(d for (d,) in run_sql(con, "billing/waiting_dates.sql", {"month": month, "codes": []}))
    return dates[-1] if dates else None


def waiting_confirmed(con: duckdb.DuckDBPyConnection, month: str) -> bool:
    """The month's waiting validations confirmed an unusual issue date explicitly."""
    return bool(run_sql(con, "billing/waiting_confirmed.sql", {"month": month})[0][0])
