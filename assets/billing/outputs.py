"""The month's billing files (docs/contract.md "Outputs"): the register of documents and their lines, the
held amounts of pending files, and each département's monthly statement for its portal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from assets.billing.valuation import open_months
from assets.common.audit import record_file
from assets.common.outputs import write_csv
from assets.common.settings import Settings
from assets.common.warehouse import run_sql

REGISTER = (
    "numero",
    "type",
    "date_emission",
    "date_echeance",
    "mois_prestation",
    "code_etablissement",
    "code_financeur",
    "montant",
    "numero_facture_origine",
    "nature",
)
LINES = ("numero", "id_usager", "categorie", "quantite", "prix_unitaire", "montant", "libelle")
HELD = (
    "id_usager",
    "code_financeur",
    "code_etablissement",
    "mois_prestation",
    "jours",
    "montant",
    "debut_dossier",
    "anciennete_jours",
    "reference_decision",
)
PORTAL = (
    "id_usager",
    "nom",
    "prenom",
    "numero_dossier",
    "code_etablissement",
    "jours_presence",
    "jours_hospitalisation",
    "jours_absence",
    "jours_fermeture",
    "prix_journee",
    "forfait_journalier_deduit",
    "participation_usager",
    "montant_reclame",
)


def write_billing_files(
    con: duckdb.DuckDBPyConnection, settings: Settings, sorties: Path, month: str, as_of: dt.date
) -> dict[str, int]:
    """Write the month's CSV files; returns the row count of each."""
    folder = sorties / month
    counts = {}
    rows = run_sql(con, "billing/register.sql", {"month": month})
    write_csv(folder / "factures" / "registre.csv", REGISTER, rows)
    record_file(con, sorties, folder / "factures" / "registre.csv")
    counts["registre"] = len(rows)
    rows = run_sql(con, "billing/register_lines.sql", {"month": month})
    write_csv(folder / "factures" / "lignes.csv", LINES, rows)
    record_file(con, sorties, folder / "factures" / "lignes.csv")
    counts["lignes"] = len(rows)
    first_month, last_month = open_months(month, settings)
    rows = run_sql(con, "billing/held.sql", {"first_month": first_month, "last_month": last_month, "as_of": as_of})
    write_csv(folder / "factures" / "en_attente.csv", HELD, rows)
    counts["en_attente"] = len(rows)
    statements: dict[str, list[tuple]] = {}
    for row in run_sql(con, "billing/portal_statement.sql", {"month": month}):
        statements.setdefault(row[0], []).append(row[1:])
    portal = folder / "portail"
    for stale in portal.glob("etat_mensuel_*.csv") if portal.is_dir() else []:
        if stale.stem.removeprefix("etat_mensuel_") not in statements:
            stale.unlink()
    for payer, payer_rows in statements.items():
        write_csv(portal / f"etat_mensuel_{payer}.csv", PORTAL, payer_rows)  # payer codes are validated codes
    counts["portail"] = sum(len(r) for r in statements.values())
    return counts
