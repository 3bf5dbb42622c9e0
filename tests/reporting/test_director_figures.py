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


def test_receivables_at_the_close_add_what_the_close_issued_after_the_months_end(tmp_path):
    """The aged balance is taken on the month's last day; the month's close issues its invoices after it. The
    receivables at the close add the register's documents dated after that day (a credit note is negative);
    one dated within the month is already in the aged balance."""
    from assets.common.outputs import write_csv
    from assets.reporting.director import headline

    folder = tmp_path / "2025-01"
    write_csv(
        folder / "recouvrement" / "balance_agee.csv",
        ["code_financeur", "nom", "non_echu", "j1_30", "j31_60", "j61_90", "plus_90", "total"],
        [["D66", "Département", Decimal("1500.00"), Decimal("734.56"), 0, 0, 0, Decimal("2234.56")],
         ["TOTAL", "Total", Decimal("1500.00"), Decimal("734.56"), 0, 0, 0, Decimal("2234.56")]],
    )  # fmt: skip
    write_csv(
        folder / "factures" / "registre.csv",
        ["numero", "type", "date_emission", "montant", "nature"],
        [["F2025-000001", "facture", "2025-02-05", Decimal("1000.10"), "initiale"],
         ["A2025-000001", "avoir", "2025-02-05", Decimal("-100.05"), "avoir"],
         ["F2025-000002", "facture", "2025-02-06", Decimal("0.01"), "complementaire"],
         ["F2025-000000", "facture", "2025-01-31", Decimal("50.00"), "initiale"]],
    )  # fmt: skip
    figures = headline(tmp_path, "2025-01")
    assert figures["creances"] == Decimal("2234.56")
    assert figures["en_retard"] == Decimal("734.56")
    assert figures["facture"] == Decimal("950.06")
    assert figures["creances_cloture"] == Decimal("3134.62")  # 2 234,56 + 1 000,10 − 100,05 + 0,01
    # without an aged balance or without a register, no figure rather than a partial one
    (folder / "factures" / "registre.csv").unlink()
    assert headline(tmp_path, "2025-01")["creances_cloture"] is None
    assert headline(tmp_path, "2024-12")["creances_cloture"] is None


def test_the_charts_start_at_the_first_closed_month(tmp_path):
    from assets.common.outputs import write_csv
    from assets.reporting.director import first_month

    (tmp_path / "2024-09").mkdir()  # a folder without a register nor reports: not a closed month
    write_csv(tmp_path / "2024-10" / "factures" / "registre.csv", ["numero", "montant"], [])
    (tmp_path / "2024-12" / "rapports").mkdir(parents=True)
    (tmp_path / "index.html").write_text("", encoding="utf-8")
    assert first_month(tmp_path, "2025-01") == "2024-10"
    assert first_month(tmp_path / "absent", "2025-01") == "2025-01"
    assert first_month(tmp_path, "2024-08") == "2024-08"
