"""The month's lettering file (docs/rules.md "Accounting entries"): `comptabilite/lettrage_AAAA-MM.csv`, beside the
entry file, for the accounting software to letter its client accounts (411) on both sides.

The entry file letters only the lines of invoices settled by the time it is exported; an invoice is usually
entered the month it is issued and settled a month or more later, by then in a locked file. Each letter given or
taken back since the last lettering file is listed with every client-account line of its invoice (its sales
entry, the credit notes' lines that correct it, the receipts' lines that settle it), whichever month's file
carried them: one line of the entry files per row, named by journal, entry number and file. A letter is listed
once the lines of its invoice exported so far balance, so that the accountant never letters an unbalanced group
(a credit note dated after the month's end settles its invoice in the next file).

Columns: evenement (`lettre`, `delettre`); lettre; date_lettrage; numero_facture; code_financeur; journal;
numero_ecriture; date_ecriture; compte; compte_auxiliaire; piece; libelle; montant; sens (`D`, `C`); fichier.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from assets.common.audit import record_file
from assets.common.outputs import write_csv
from assets.common.settings import Settings
from assets.common.warehouse import run_sql

HEADER = (
    "evenement",
    "lettre",
    "date_lettrage",
    "numero_facture",
    "code_financeur",
    "journal",
    "numero_ecriture",
    "date_ecriture",
    "compte",
    "compte_auxiliaire",
    "piece",
    "libelle",
    "montant",
    "sens",
    "fichier",
)


def file_name(month: str) -> str:
    return f"comptabilite/lettrage_{month}.csv"


def list_letters(con: duckdb.DuckDBPyConnection, settings: Settings, month: str) -> int:
    """Choose the letter events the file of an open month lists, once its entries are built; returns how many
    it shows."""
    params = {"month": month, "clients": settings.comptes.clients}
    run_sql(con, "accounting/list_letters.sql", params)
    return int(run_sql(con, "accounting/lettering_count.sql", {"month": month})[0][0])


def write_lettering(con: duckdb.DuckDBPyConnection, settings: Settings, sorties: Path, month: str) -> Path:
    """Write sorties/AAAA-MM/comptabilite/lettrage_AAAA-MM.csv from the events the month's file took (the same
    bytes each time for a locked month)."""
    path = sorties / month / file_name(month)
    rows = run_sql(con, "accounting/lettering_rows.sql", {"month": month, "clients": settings.comptes.clients})
    write_csv(path, HEADER, rows)
    record_file(con, sorties, path)
    return path
