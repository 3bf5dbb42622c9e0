"""A demo month whose inputs were opened and saved again by a French Excel (issue "Files as Excel makes them"),
each way alone and all at once: the close issues exactly the documents of the clean files, or stops with exit 1,
naming the file, line and column, and issues nothing for the month. Never exit 0 with money missing or doubled.

The ways: digit identifiers without their leading zeros in every file (the referential, the extracts, the cash
receipts); the files in Windows-1252 with CRLF and trailing separators; an extract saved as a workbook; the
payers' SIRETs in scientific notation (`2,26632E+13`: their digits are lost); a date column as serial numbers
(`45667`). And the CSV outputs open right in Excel (a byte order mark)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.common.workbooks import xlsx
from tests.reliability.harness import MONTH, copy_home

EXCEL_EPOCH = dt.date(1899, 12, 30)


def rows_of(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:  # the demo saves some extracts in Windows-1252 already
        text = data.decode("windows-1252")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def save_as_excel(path: Path, change: Callable[[str, str], str] = lambda column, cell: cell) -> None:
    """Write `path` again as Excel saves a CSV: each cell through `change(column, cell)`, Windows-1252, CRLF,
    every row as wide as the widest with trailing separators."""
    header, *rows = rows_of(path)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([*header, "", ""])
    for row in rows:
        writer.writerow([change(column, cell) for column, cell in zip(header, row, strict=True)] + ["", ""])
    path.write_bytes(out.getvalue().encode("windows-1252"))


def zeros_dropped(column: str, cell: str) -> str:
    """Excel reads a cell of digits as a number: its leading zeros go (a SIRET kept by `sirets_as_shown`)."""
    return cell.lstrip("0") or "0" if cell.isdigit() and column != "siret" else cell


def sirets_as_shown(column: str, cell: str) -> str:
    """A 14-digit SIRET shown and saved in scientific notation."""
    if column == "siret" and cell.isdigit():
        digits = f"{int(cell):.5E}".split("E")
        return f"{digits[0].replace('.', ',').rstrip('0').rstrip(',')}E+{int(digits[1]):02d}"
    return cell


def serial_dates(column: str, cell: str) -> str:
    if column == "date" and "/" in cell:
        return str((dt.datetime.strptime(cell, "%d/%m/%Y").date() - EXCEL_EPOCH).days)
    return cell


def ids_without_zeros(home: Path) -> None:
    for folder in ("referentiel", f"activite/{MONTH}", "encaissements"):
        for path in (home / "entrees" / folder).glob("*.csv"):
            if path.name != "financeurs.csv":  # its SIRETs: below
                save_as_excel(path, zeros_dropped)


def receipts_resaved(home: Path) -> None:
    for path in (home / "entrees" / "encaissements").glob("*.csv"):
        save_as_excel(path)


def extract_as_workbook(home: Path) -> None:
    """The grid extract (days as columns) saved as a workbook; the one with a row per day stays a CSV, for
    `dates_as_numbers` to spoil when both are applied."""
    (path,) = [p for p in (home / "entrees" / "activite" / MONTH).glob("*.csv") if "date" not in rows_of(p)[0]]
    header, *rows = rows_of(path)
    cells = [header]
    for row in rows:
        cells.append(
            [
                dt.datetime.strptime(cell, "%d/%m/%Y").date() if column == "date" else cell
                for column, cell in zip(header, row, strict=True)
            ]
        )
    path.with_suffix(".xlsx").write_bytes(xlsx(("Feuil1", cells)))
    path.unlink()


def sirets_lost(home: Path) -> None:
    save_as_excel(home / "entrees" / "referentiel" / "financeurs.csv", sirets_as_shown)


def dates_as_numbers(home: Path) -> None:
    (path,) = [p for p in (home / "entrees" / "activite" / MONTH).glob("*.csv") if "date" in rows_of(p)[0]]
    save_as_excel(path, serial_dates)  # the extract with one row per day; the grid has its days as columns


SAME = {"ids_without_zeros": ids_without_zeros, "receipts_resaved": receipts_resaved,
        "extract_as_workbook": extract_as_workbook}  # fmt: skip
REFUSED = {"sirets_lost": sirets_lost, "dates_as_numbers": dates_as_numbers}


def close(home: Path, instance) -> tuple[int, dict[str, str]]:
    from demo.generator import close_date
    from pipelines.close import close_month

    result = close_month(home, MONTH, close_date(MONTH), instance=instance)
    return result.exit_code, dict(result.failed_controls)


def books(home: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(home / "entrepot.duckdb"), read_only=True) as con:
        return {
            "documents": con.execute(
                "SELECT number, type, service_month, establishment_code, payer_code, amount, original_number "
                "FROM documents ORDER BY number"
            ).fetchall(),
            "lines": con.execute(
                "SELECT number, line_no, resident_id, category, quantity, unit_price, amount FROM document_lines "
                "ORDER BY number, line_no"
            ).fetchall(),
            "receipts": con.execute("SELECT line_id, booking_date, amount FROM bank_lines ORDER BY 1").fetchall(),
        }


@pytest.fixture(scope="module")
def excel(shared, tmp_path_factory):
    """December closed from the clean files, then from each way of saving them again, alone and all at once."""
    root = tmp_path_factory.mktemp("excel")
    ways = {**SAME, **REFUSED, "all_at_once": None}
    out = {}
    with dg.DagsterInstance.ephemeral() as instance:
        for name in ["clean", *ways]:
            home = copy_home(shared / "base", root / name)
            for way in [] if name == "clean" else [ways[name]] if ways[name] else [*SAME.values(), *REFUSED.values()]:
                way(home)
            code, failed = close(home, instance)
            out[name] = (home, code, failed, books(home))
    return out


@pytest.mark.e2e
@pytest.mark.parametrize("way", list(SAME))
def test_files_saved_again_by_excel_issue_exactly_what_the_clean_files_issue(excel, way):
    _, clean_code, _, clean = excel["clean"]
    _, code, failed, got = excel[way]
    assert (clean_code, code, failed) == (0, 0, {})
    assert clean["documents"] and got == clean


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("way", "control", "where"),
    [
        ("sirets_lost", "referentiel_lignes_rejetees", ("referentiel/financeurs.csv", 2, "siret")),
        ("dates_as_numbers", "activite_fichiers_lisibles", None),
        ("all_at_once", "referentiel_lignes_rejetees", ("referentiel/financeurs.csv", 2, "siret")),
    ],
)
def test_files_whose_values_excel_lost_stop_the_close_naming_the_cell_and_issue_nothing(excel, way, control, where):
    home, code, failed, got = excel[way]
    _, _, _, clean = excel["clean"]
    assert code == 1 and control in failed, failed
    november = [d for d in clean["documents"] if d[2] == "2024-11"]  # issued by the base's November close
    assert got["documents"] == november  # nothing issued for December
    with duckdb.connect(str(home / "entrepot.duckdb"), read_only=True) as con:
        set_aside = con.execute("SELECT path, line, column_name FROM quarantine ORDER BY ALL").fetchall()
        unreadable = con.execute("SELECT path, error FROM activity_files WHERE status <> 'lu'").fetchall()
    if where:
        assert where in set_aside
    else:
        ((path, error),) = unreadable
        assert path.startswith(f"activite/{MONTH}/") and "ligne 2" in error and "colonne date" in error, error


@pytest.mark.e2e
def test_the_csv_outputs_open_right_in_a_french_excel(excel):
    home, *_ = excel["clean"]
    for path in (home / "sorties" / MONTH).rglob("*.csv"):
        assert path.read_bytes().startswith(b"\xef\xbb\xbf"), path  # UTF-8 with its byte order mark
    fec = next((home / "sorties" / MONTH / "comptabilite").glob("ecritures_*.txt")).read_bytes()
    assert not fec.startswith(b"\xef\xbb\xbf")  # the entry file keeps the encoding of the settings
