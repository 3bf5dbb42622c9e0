"""Closes through the Dagster job (issue 24): a month whose extracts are workbooks closes as with their CSV;
an establishment billed per day with no readable activity, and a public payer without a usable SIRET, block
the month by name, and nothing is issued."""

import datetime as dt

import dagster as dg
import pytest

from assets.common.warehouse import Warehouse
from pipelines.close import close_month
from tests.common.workbooks import csv_rows, xlsx
from tests.conftest import REFERENTIAL, march_fh01, write_activity, write_home

pytestmark = pytest.mark.slow  # closes a month through Dagster


MONTH = "2025-03"
ON = dt.date(2025, 4, 5)
SIRETS = {"D66": "22660001300016", "CPAM66": "18007000100018"}
FINANCEURS = (
    "code_financeur;nom;type;siret;code_service\n"
    f"D66;Département 66;departement;{SIRETS['D66']};ASE\nCPAM66;CPAM;assurance_maladie;{SIRETS['CPAM66']};\n"
)
IME = "code_etablissement;id_usager;" + ";".join(f"J{d:02d}" for d in range(1, 32)) + "\n"
IME += "IME01;000003;;;" + ";".join("F" if dt.date(2025, 3, d).weekday() >= 5 else "P" for d in range(3, 32)) + "\n"


def as_workbook(text: str) -> bytes:
    """A CSV extract as Excel keeps it once typed in a workbook: dates as date cells, ids as numbers."""
    rows = []
    for i, cells in enumerate(csv_rows(text)):
        row: list = []
        for column, cell in zip(csv_rows(text)[0], cells, strict=True):
            if i and column == "date":
                fmt = "%d/%m/%Y" if "/" in cell else "%Y-%m-%d"
                row.append(dt.datetime.strptime(cell, fmt).date())
            elif i and column == "id_usager":
                row.append(int(cell))
            else:
                row.append(cell or None)
        rows.append(row)
    return xlsx(("Feuil1", rows))


def home_with(root, financeurs: str = FINANCEURS, **extracts: str | bytes):
    home = write_home(root / "home", {**REFERENTIAL, "financeurs.csv": financeurs})
    for name, content in extracts.items():
        write_activity(home, MONTH, name.replace("_", "."), content)
    return home


def issued(home) -> list[tuple]:
    with Warehouse(home / "entrepot.duckdb").connect() as con:
        return con.execute(
            "SELECT number, payer_code, establishment_code, amount FROM documents ORDER BY number"
        ).fetchall()


@pytest.fixture(scope="module")
def instance():
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


def test_an_activity_workbook_dropped_instead_of_its_csv_closes_the_month_as_the_csv(tmp_path, instance):
    with_csv = home_with(tmp_path / "csv", fh01_csv=march_fh01(), ime01_csv=IME)
    with_book = home_with(tmp_path / "xlsx", fh01_xlsx=as_workbook(march_fh01()), ime01_xlsx=as_workbook(IME))
    for home in (with_csv, with_book):
        done = close_month(home, MONTH, ON, instance=instance)
        assert (done.exit_code, done.failed_controls) == (0, [])
    assert issued(with_book) == issued(with_csv)
    assert {p for _, p, _, _ in issued(with_csv)} == {"D66", "CPAM66", "U000001"}
    for table in ("registre.csv", "lignes.csv"):
        assert (with_book / "sorties" / MONTH / "factures" / table).read_bytes() == (
            with_csv / "sorties" / MONTH / "factures" / table
        ).read_bytes()
    facturx = sorted(p.name for p in (with_book / "sorties" / MONTH / "factures").glob("F*.pdf"))
    assert facturx == sorted(p.name for p in (with_csv / "sorties" / MONTH / "factures").glob("F*.pdf"))


def test_an_extract_of_serial_dates_holds_its_establishment_and_nothing_is_issued(tmp_path, instance):
    serials = "code_etablissement;id_usager;date;code\n"
    serials += "".join(f"FH01;000001;{45716 + d};P\n" for d in range(1, 32))
    home = home_with(tmp_path, fh01_csv=serials, ime01_csv=IME)
    done = close_month(home, MONTH, ON, instance=instance)
    assert done.exit_code == 1
    failed = dict(done.failed_controls)
    assert sorted(failed) == ["activite_fichiers_lisibles", "activite_manquante"]
    assert failed["activite_fichiers_lisibles"].startswith(
        "activite/2025-03/fh01.csv : aucune journée lisible, 31 écartée(s) ; d'abord ligne 2, colonne date"
    )
    assert failed["activite_manquante"].startswith(
        "1 établissement(s) au prix de journée avec des séjours dans le mois et aucune activité lisible : FH01 ; "
        "retenu(s), rien n'est facturé"
    )
    assert issued(home) == []
    assert not (home / "sorties" / MONTH / "factures" / "registre.csv").exists()


def test_a_departement_without_a_siret_or_with_its_digits_lost_blocks_issuing_by_name(tmp_path, instance):
    financeurs = FINANCEURS.replace(SIRETS["D66"], "")  # no SIRET: plain PDFs the portal does not take
    home = home_with(tmp_path / "empty", financeurs, fh01_csv=march_fh01(), ime01_csv=IME)
    done = close_month(home, MONTH, ON, instance=instance)
    assert done.exit_code == 1
    failed = dict(done.failed_controls)
    assert failed["financeurs_publics_siret"] == (
        "1 financeur(s) public(s) sans SIRET utilisable, à qui la clôture émettrait 1 document(s) sans Factur-X : "
        "D66 : SIRET absent, referentiel/financeurs ligne 2 — l'émission est bloquée jusqu'à la correction de "
        "financeurs"
    ), failed
    assert issued(home) == []
    # its digits lost in Excel's scientific notation: the row is set aside, naming the cell, before any valuation
    financeurs = FINANCEURS.replace(SIRETS["D66"], "2,26632E+13")
    home = home_with(tmp_path / "lost", financeurs, fh01_csv=march_fh01(), ime01_csv=IME)
    done = close_month(home, MONTH, ON, instance=instance)
    assert done.exit_code == 1
    failed = dict(done.failed_controls)
    assert failed["referentiel_lignes_rejetees"].startswith("3 ligne(s) écartée(s)"), failed
    with Warehouse(home / "entrepot.duckdb").connect() as con:
        set_aside = con.execute(
            "SELECT path, line, column_name, value FROM quarantine WHERE path LIKE '%financeurs%'"
        ).fetchall()
    assert set_aside == [("referentiel/financeurs.csv", 2, "siret", "2,26632E+13")]
    assert issued(home) == []
