"""The pré-facturation (docs/contract.md, sorties/AAAA-MM/prefacturation/): what the émission would issue, written
by the préparation before any number is given, for the person who validates it.

- `etablissements.csv`: the month's checklist per establishment: extract received (which files, when), documents
  drafted, what holds it, validated (by whom, when, issue date), issued, and its state;
- `documents.csv` and `lignes.csv`: the documents the émission would issue (invoices, complementary invoices,
  credit notes) per establishment and payer, with their lines (residents by identifier);
- `en_attente.csv`: the amounts held for pending funding decisions;
- `evolutions.csv`: per establishment and payer, what was due the month before and this month, and what was
  issued for this month so far;
- `prefacturation.html`: all of it on one page that opens offline, the checklist first, then the controls.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb

from assets.billing.issuing import Draft
from assets.billing.labels import label
from assets.billing.valuation import open_months
from assets.common.controls import ERROR, month_controls
from assets.common.months import previous_month
from assets.common.outputs import write_bytes, write_csv
from assets.common.settings import Settings
from assets.common.warehouse import run_sql, sql
from reports.render import environment

ZERO = Decimal("0.00")
HTML_LINES = 5000  # beyond, the page lists the documents and leaves their lines to lignes.csv (a large month)


def state(row: dict) -> str:
    """Where an establishment stands in the month's procedure."""
    if row["blocked"]:
        return f"retenu : {row['blocked']}"
    if row["validated_by"]:
        if row["issued_at"] is not None:
            return "émis" if row["issued"] else "validé, rien à émettre"
        if row["seen"] == row["fingerprint"]:
            return "validé, à émettre"
        return "modifié depuis sa validation : à valider de nouveau"
    if row["drafted"]:
        return "à valider"
    if not row["files"]:
        return "aucun extrait reçu"
    return "rien à émettre"


def _day(moment: dt.datetime | None) -> dt.date | None:
    """The checklist's moments as days, the way the cell follows its month."""
    return moment.date() if moment is not None else None


def held_state(state: str) -> bool:
    """A state of an establishment whose documents are left unissued: held by a control, not validated, or
    changed since its validation."""
    return state == "à valider" or state.startswith(("retenu", "modifié"))


def checklist(con: duckdb.DuckDBPyConnection, month: str) -> list[dict]:
    cursor = con.execute(sql("billing/checklist.sql"), {"month": month})
    columns = [c[0] for c in cursor.description]
    rows = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
    for row in rows:
        row["state"] = state(row)
    return rows


def write_prefacturation(
    con: duckdb.DuckDBPyConnection, settings: Settings, sorties: Path, month: str, drafted: Draft, now: dt.datetime
) -> Path:
    """Write the month's pré-facturation files and page; returns the page's path."""
    folder = sorties / month / "prefacturation"
    first_month, last_month = open_months(month, settings)
    rows = checklist(con, month)
    exported_at, reminders = run_sql(con, "billing/month_steps.sql", {"month": month})[0]
    write_csv(
        folder / "etablissements.csv",
        (
            "code_etablissement",
            "extrait",
            "recu_le",
            "documents_prevus",
            "montant_prevu",
            "controles_bloquants",
            "valide_par",
            "valide_le",
            "date_emission",
            "documents_emis",
            "montant_emis",
            "etat",
        ),
        [
            (
                r["establishment_code"],
                r["files"],
                _day(r["received"]),
                r["drafted"] or 0,
                r["drafted_amount"] if r["drafted_amount"] is not None else ZERO,
                r["blocked"],
                r["validated_by"],
                _day(r["validated_at"]),
                r["issue_date"],
                r["issued"],
                r["issued_amount"],
                r["state"],
            )
            for r in rows
        ],
    )
    by_number = {doc["number"]: doc for doc in drafted.documents}
    lines: dict[str, list[dict]] = defaultdict(list)
    for line in drafted.lines:
        lines[line["number"]].append(line)
    documents = sorted(
        drafted.documents,
        key=lambda d: (d["establishment_code"], d["payer_code"], d["service_month"], d["type"], d["number"]),
    )
    write_csv(
        folder / "documents.csv",
        (
            "code_etablissement",
            "code_financeur",
            "type",
            "nature",
            "mois_prestation",
            "montant",
            "lignes",
            "factures_corrigees",
        ),
        [
            (
                d["establishment_code"],
                d["payer_code"],
                d["type"],
                d["nature"],
                d["service_month"],
                d["amount"],
                len(lines[d["number"]]),
                d["original_number"],
            )
            for d in documents
        ],
    )
    write_csv(
        folder / "lignes.csv",
        (
            "code_etablissement",
            "code_financeur",
            "type",
            "mois_prestation",
            "id_usager",
            "categorie",
            "quantite",
            "prix_unitaire",
            "montant",
        ),
        [
            (
                by_number[n]["establishment_code"],
                by_number[n]["payer_code"],
                by_number[n]["type"],
                by_number[n]["service_month"],
                line["resident_id"],
                line["category"],
                line["quantity"],
                line["unit_price"],
                line["amount"],
            )
            for n in (d["number"] for d in documents)
            for line in lines[n]
        ],
    )
    held = run_sql(con, "billing/held_by_establishment.sql", {"first_month": first_month, "last_month": last_month})
    write_csv(
        folder / "en_attente.csv",
        ("code_etablissement", "id_usager", "code_financeur", "mois_prestation", "jours", "montant"),
        held,
    )
    changes = run_sql(con, "billing/changes.sql", {"month": month, "previous": previous_month(month)})
    drafted_for_month: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for d in drafted.documents:
        if d["service_month"] == month:
            drafted_for_month[(d["establishment_code"], d["payer_code"])] += d["amount"]
    change_rows = [
        (etab, payer, previous, due, due - previous, issued, drafted_for_month[(etab, payer)])
        for etab, payer, previous, due, issued in changes
    ]
    write_csv(
        folder / "evolutions.csv",
        (
            "code_etablissement",
            "code_financeur",
            "du_mois_precedent",
            "du_ce_mois",
            "ecart",
            "deja_emis",
            "a_emettre",
        ),
        change_rows,
    )
    controls = month_controls(con, month)
    failed = [c for c in controls if c[2] == "echec"]
    shown = len(drafted.lines) <= HTML_LINES
    template = environment().get_template("prefacturation.html")
    page = template.render(
        month=month,
        prepared_at=now,
        checklist=rows,
        exported_at=exported_at,
        reminders=reminders,
        documents=[
            {
                **d,
                "count": len(lines[d["number"]]),
                "lines": [
                    {**line, "label": label(line["category"], settings, d["payer_type"], d["payer_code"])}
                    for line in lines[d["number"]]
                ]
                if shown
                else [],
            }
            for d in documents
        ],
        lines_shown=shown,
        line_count=len(drafted.lines),
        held=held,
        changes=change_rows,
        controls=sorted(controls, key=lambda c: (c[2] != "echec", c[1] != ERROR)),
        errors=sum(1 for c in failed if c[1] == ERROR),
        warnings=sum(1 for c in failed if c[1] != ERROR),
        total=sum((d["amount"] for d in documents), ZERO),
    )
    target = folder / "prefacturation.html"
    write_bytes(target, page.encode("utf-8"))
    return target


def refresh_prefacturation(
    con: duckdb.DuckDBPyConnection, settings: Settings, sorties: Path, month: str, now: dt.datetime
) -> Path:
    """At the end of a close: the page and files again, the checklist with what the close issued, exported
    and sent, the documents with what is left to issue (the held establishments'). The préparation's
    fingerprints are left as they were."""
    from assets.billing.issuing import draft
    from assets.billing.validation import drafting_date

    drafted = draft(con, settings, month, drafting_date(con, month, None), now)
    return write_prefacturation(con, settings, sorties, month, drafted, now)
