"""A workbook dropped in place of a CSV is read as the same table: its sheet's rows by their row number, its
cells as Excel stores them."""

import datetime as dt
from decimal import Decimal

import pytest

from assets.common import workbook
from assets.common.csvfile import Reject, UnreadableFile, read_table
from assets.common.fields import parse_amount, parse_date
from assets.common.workbook import cell_text, number_text, refused_type
from tests.common.workbooks import Formula, ods, xlsx

REQ = {"date", "montant", "mode"}
RECEIPTS = [
    ["date", "montant", "mode", "payeur", "reference", "numero_piece"],
    [dt.date(2025, 3, 5), 1234.56, "cheque", "D66", 178, 2263212345678],
    [dt.date(2025, 3, 6), Formula("=0.1+0.2", 0.1 + 0.2), "especes", "U000001", "F2025-000001", None],
    [dt.datetime(2025, 3, 7, 14, 30), 0.7 + 0.1, "virement", None, None, "000178"],
]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1 + 0.2, "0.3"),  # stored 0.30000000000000004, shown 0,3: Excel's 15 digits
        (0.7 + 0.1, "0.8"),
        (1234.56, "1234.56"),
        (-1234.56, "-1234.56"),
        (100 / 3, "33.3333333333333"),  # more than two decimals: an amount set aside, not rounded in silence
        (178.0, "178"),  # an identifier typed as a number
        (22663212345678.0, "22663212345678"),  # a SIRET shown 2,26632E+13 keeps its 14 digits
        (1e-7, "0.0000001"),
        (1e20, "100000000000000000000"),
        (-0.0, "0"),
    ],
)
def test_a_number_is_its_value_to_excels_precision_never_a_binary_tail(value, text):
    assert number_text(value) == text


def test_amounts_read_from_number_cells_are_exact_decimals():
    assert parse_amount(number_text(0.1 + 0.2)) == Decimal("0.30")
    assert parse_amount(number_text(1234.56)) == Decimal("1234.56")
    assert parse_amount(number_text(1234.56 * 3)) == Decimal("3703.68")  # stored 3703.6800000000003


def test_cells_as_a_csv_saved_by_excel_would_hold_them():
    assert cell_text(dt.date(2025, 3, 5)) == "2025-03-05"
    assert cell_text(dt.datetime(2025, 3, 5, 14, 30)) == "2025-03-05"  # a date cell is its date
    assert (cell_text(True), cell_text(False), cell_text(None), cell_text(" x ")) == ("VRAI", "FAUX", "", " x ")
    assert parse_date(cell_text(dt.date(2025, 3, 5))) == dt.date(2025, 3, 5)


def test_a_workbook_gives_the_rows_of_its_sheet_with_the_sheets_row_numbers():
    data = xlsx(("Notes", [["mars 2025"]]), ("Encaissements", RECEIPTS), first_row=2)
    table = read_table(data, "encaissements/mars.xlsx", REQ)
    assert (table.path, table.encoding, table.rejects) == ("encaissements/mars.xlsx", "xlsx", [])
    assert table.columns == ["date", "montant", "mode", "payeur", "reference", "numero_piece"]
    assert [(line, list(cells.values())) for line, cells in table.rows] == [
        (4, ["2025-03-05", "1234.56", "cheque", "D66", "178", "2263212345678"]),
        (5, ["2025-03-06", "0.3", "especes", "U000001", "F2025-000001", ""]),
        (6, ["2025-03-07", "0.8", "virement", "", "", "000178"]),
    ]


def test_the_same_rows_as_the_csv_it_replaces():
    csv = (
        "date;montant;mode;payeur\r\n05/03/2025;1234,56;cheque;D66\r\n;;;\r\n2025-03-06;12,5;especes;U000001\r\n"
    ).encode("windows-1252")
    book = xlsx(
        (
            "Feuil1",
            [
                ["Date", " Montant", "MODE", "payeur"],
                ["05/03/2025", "1234,56", "cheque", "D66"],
                [],
                [dt.date(2025, 3, 6), 12.5, "especes", "U000001"],
            ],
        )
    )
    from_csv, from_book = read_table(csv, "e/x.csv", REQ), read_table(book, "e/x.xlsx", REQ)
    assert from_csv.columns == from_book.columns
    assert [line for line, _ in from_csv.rows] == [line for line, _ in from_book.rows] == [2, 4]
    for (_, a), (_, b) in zip(from_csv.rows, from_book.rows, strict=True):
        assert parse_date(a["date"]) == parse_date(b["date"])
        assert parse_amount(a["montant"]) == parse_amount(b["montant"])
        assert (a["mode"], a["payeur"]) == (b["mode"], b["payeur"])


def test_an_ods_is_read_too():
    data = ods(("Feuille1", [["date", "montant", "mode"], [dt.date(2025, 3, 5), 1234.56, "cheque"]]))
    table = read_table(data, "x.ods", REQ)
    assert table.encoding == "ods"
    assert table.rows == [(2, {"date": "2025-03-05", "montant": "1234.56", "mode": "cheque"})]


def test_a_cell_beyond_the_header_sets_its_row_aside_as_an_extra_field_of_a_csv_would():
    data = xlsx(("F", [["date", "montant", "mode"], [dt.date(2025, 3, 5), 10, "cheque", None, "note"]]))
    table = read_table(data, "x.xlsx", REQ)
    assert table.rows == []
    assert table.rejects == [
        Reject("x.xlsx", 2, "mode", "2025-03-05", "cellule remplie en colonne E, hors des colonnes de l'en-tête")
    ]


def test_the_sheet_is_the_one_with_the_expected_columns_and_two_of_them_are_refused():
    one = xlsx(("Mode d'emploi", [["Saisir les encaissements"]]), ("Saisie", [["date", "montant", "mode"]]))
    assert read_table(one, "x.xlsx", REQ).columns == ["date", "montant", "mode"]
    two = xlsx(("Février", [["date", "montant", "mode"]]), ("Mars", [["date", "montant", "mode"]]))
    with pytest.raises(UnreadableFile) as err:
        read_table(two, "x.xlsx", REQ)
    assert str(err.value) == (
        "x.xlsx : 2 feuilles portent les colonnes attendues (« Février », « Mars ») ; laissez dans le classeur la "
        "seule feuille de ce fichier"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (xlsx(("Feuil1", [["date", "montant"]])), "x.xlsx, ligne 1 : colonne(s) obligatoire(s) absente(s) : mode"),
        (
            xlsx(("A", [["titre"]]), ("B", [["autre"]])),
            "x.xlsx : en-tête absent, la ligne 1 ne contient aucune des colonnes attendues ; colonnes attendues : "
            "date, mode, montant (feuille « A »)",
        ),
        (xlsx(("Feuil1", [])), "x.xlsx : classeur sans aucune cellule remplie"),
        (b"", "x.xlsx : fichier vide"),
        (b"date;montant;mode\n", "x.xlsx : ce fichier n'est pas un classeur Excel (.xlsx) comme son nom l'indique"),
        (b"PK\x03\x04abime", "x.xlsx : classeur endommagé ou tronqué"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "x.xlsx : classeur protégé par un mot de passe"),
    ],
)
def test_what_is_wrong_with_a_workbook_is_said_naming_it(data, message):
    with pytest.raises(UnreadableFile) as err:
        read_table(data, "x.xlsx", REQ)
    assert str(err.value).startswith(message), str(err.value)


def test_a_workbook_saved_under_a_csv_name_is_still_refused_as_a_csv():
    with pytest.raises(UnreadableFile) as err:
        read_table(xlsx(("F", [["date", "montant", "mode"]])), "x.csv", REQ)
    assert str(err.value).startswith("x.csv : ce fichier est un classeur Excel ou une archive ZIP, pas un CSV")


def test_a_workbook_that_would_unzip_past_the_limit_is_refused_unread(monkeypatch):
    data = xlsx(("F", [["date", "montant", "mode"], *[[dt.date(2025, 3, 5), 1, "cheque"]] * 2000]))
    monkeypatch.setattr(workbook, "MAX_BYTES", len(data) * 2)
    with pytest.raises(UnreadableFile) as err:
        read_table(data, "x.xlsx", REQ)
    assert "une fois décompressé, au-delà de la limite de" in str(err.value)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("activite/2025-03/fh01.pdf", "activite/2025-03/fh01.pdf : type de fichier que Recettes ne lit pas (« .pdf »)"),
        ("activite/2025-03/fh01.numbers", "activite/2025-03/fh01.numbers : type de fichier que Recettes ne lit pas"),
        ("activite/2025-03/LISEZMOI", "activite/2025-03/LISEZMOI : type de fichier que Recettes ne lit pas (sans"),
        ("activite/2025-03/~$fh01.xlsx", "activite/2025-03/~$fh01.xlsx : fichier de verrouillage laissé par le"),
    ],
)
def test_a_type_recettes_cannot_read_is_named(name, message):
    assert refused_type(name).startswith(message)


@pytest.mark.parametrize("name", ["a.csv", "a.CSV", "a.xlsx", "a.XLSM", "a.xls", "a.ods"])
def test_csv_and_workbooks_are_read(name):
    assert refused_type(name) is None
