"""The month's control report (`rapports/controles.html`) and the index of months (`sorties/index.html`):
self-contained HTML files (styles inline, no script, no external request) that open offline.

The control report shows every control of the month with its severity, status, value and detail, the rows
that explain a failure (identifiers, never names), and the input rows set aside with file, line, column and
reason. It is rewritten each time a check records an outcome, like controles.csv.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from assets.common.csvfile import escaped
from assets.common.outputs import write_bytes
from assets.common.warehouse import run_sql
from reports.render import environment

STAGES = {
    "referentiel": "Référentiel",
    "ingest": "Activité",
    "facturation": "Facturation",
    "encaissements": "Encaissements et lettrage",
    "comptabilite": "Comptabilité",
    "recouvrement": "Recouvrement",
}
SCOPES = {
    "referentiel": "référentiel",
    "activite": "activité",
    "banque": "banque et encaissements",
    "lettrage": "décisions de lettrage",
    "relances": "journal des appels",
    "comptabilite": "grand livre",
}


def _example(row: dict) -> dict:
    """A row explaining a failure as the report shows it: what it lacks (a file refused whole has no line nor
    column) is left out rather than shown as "None"; file names with their line breaks escaped."""
    return {key: escaped(str(value)) for key, value in row.items() if value is not None and value != ""}


def controls_context(con: duckdb.DuckDBPyConnection, month: str) -> dict:
    rows = run_sql(con, "reporting/month_controls.sql", {"month": month, "all": "*"})
    controls = [
        {
            "control": control,
            "stage": STAGES.get(stage, stage),
            "severity": severity,
            "status": status,
            "value": value,
            "detail": escaped(detail),
            "examples": [_example(row) for row in json.loads(examples)],
            "evaluated_at": evaluated_at,
        }
        for control, stage, severity, status, value, detail, examples, evaluated_at in rows
    ]
    quarantine = [
        {
            "scope": SCOPES.get(scope, scope),
            "path": escaped(path),
            "line": line,
            "column": column,
            "reason": escaped(reason),
            "kept": kept,
        }
        for scope, path, line, column, reason, kept in run_sql(con, "reporting/month_quarantine.sql", {"month": month})
    ]
    failed = [c for c in controls if c["status"] == "echec"]
    return {
        "month": month,
        "controls": controls,
        "quarantine": quarantine,
        "errors": sum(1 for c in failed if c["severity"] == "erreur"),
        "warnings": sum(1 for c in failed if c["severity"] != "erreur"),
        "passed": len(controls) - len(failed),
    }


def write_controls_report(con: duckdb.DuckDBPyConnection, sorties: Path, month: str) -> Path:
    target = sorties / month / "rapports" / "controles.html"
    html = environment().get_template("controles.html").render(**controls_context(con, month))
    write_bytes(target, html.encode("utf-8"))
    return target


def write_index(sorties: Path) -> Path:
    """sorties/index.html: every month with outputs, newest first, and links to its reports and files."""
    months = []
    for folder in sorted((p for p in sorties.iterdir() if p.is_dir() and len(p.name) == 7), reverse=True):
        links = [
            (label, f"{folder.name}/{relative}")
            for label, relative in (
                ("Rapport de direction", "rapports/direction.html"),
                (f"L'année {folder.name[:4]}", f"rapports/annee_{folder.name[:4]}.html"),
                ("Contrôles", "rapports/controles.html"),
                ("Registre des factures", "factures/registre.csv"),
                ("Rapprochements", "lettrage/rapprochements.csv"),
                ("Lignes en attente", "lettrage/non_rapproches.csv"),
                ("Écritures comptables", f"comptabilite/ecritures_{folder.name}.txt"),
                ("Balance âgée", "recouvrement/balance_agee.csv"),
                ("Appels à passer", "recouvrement/appels_a_passer.csv"),
            )
            if (folder / relative).exists()
        ]
        pages = sorted((folder / "rapports" / "etablissements").glob("*.html"))
        etabs = [(p.stem, f"{folder.name}/rapports/etablissements/{p.name}") for p in pages]
        months.append({"month": folder.name, "links": links, "etabs": etabs})
    target = sorties / "index.html"
    write_bytes(target, environment().get_template("index.html").render(months=months).encode("utf-8"))
    return target
