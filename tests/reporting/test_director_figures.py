"""The director's headline figures read from the month's CSV files: exact sums, missing files, empty cells."""

from decimal import Decimal

from assets.reporting.director import _column_total, _rows_where


def test_an_amount_column_is_summed_exactly_and_a_missing_file_gives_none(tmp_path):
    path = tmp_path / "registre.csv"
    path.write_text("numero;montant\nF1;1234,56\nA1;-0,06\nF2;\nF3;0,10\nF4;99999999,99\n", encoding="utf-8")
    assert _column_total(path, "montant") == Decimal("100001234.59")
    path.write_text("numero;montant\n", encoding="utf-8")
    assert _column_total(path, "montant") == Decimal("0.00")
    assert _column_total(tmp_path / "absent.csv", "montant") is None


def test_the_rows_of_a_value(tmp_path):
    path = tmp_path / "balance_agee.csv"
    path.write_text("code_financeur;non_echu;total\nD66;1,00;2,00\nTOTAL;;2,00\n", encoding="utf-8")
    assert _rows_where(path, "code_financeur", "TOTAL") == [
        {"code_financeur": "TOTAL", "non_echu": None, "total": "2,00"}
    ]
    assert _rows_where(tmp_path / "absent.csv", "code_financeur", "TOTAL") == []


def test_the_files_are_read_as_they_are_written_with_their_byte_order_mark(tmp_path):
    """The month's CSV files start with a byte order mark (for Excel): the first column is still `numero`."""
    from assets.common.outputs import write_csv
    from assets.reporting.director import _rows

    path = tmp_path / "registre.csv"
    write_csv(path, ["numero", "code_financeur", "montant"], [["F1", "U000001", Decimal("12.50")], ["F2", "D66", 1]])
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert _rows(path) == [
        {"numero": "F1", "code_financeur": "U000001", "montant": "12,50"},
        {"numero": "F2", "code_financeur": "D66", "montant": "1"},
    ]
    assert _column_total(path, "montant") == Decimal("13.50")
    assert _rows_where(path, "numero", "F2") == [{"numero": "F2", "code_financeur": "D66", "montant": "1"}]
