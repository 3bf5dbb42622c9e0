import datetime as dt

import polars as pl
import pytest

from assets.common.csvfile import Reject, UnreadableFile
from assets.ingest.activity import ROW_SCHEMA, hold_duplicates, parse_activity, validate_activity

D = dt.date


def test_long_form_rows_and_each_rejected_row():
    data = (
        "code_etablissement;id_usager;date;code;nom\n"
        "FH01;000123;01/03/2025;P;Hélène\n"
        "fh01;123;2025-03-02;h;x\n"
        "FH01;000124;2025-04-02;P;x\n"
        "FH01;000124;31/02/2025;P;x\n"
        "FH01;000124;03/03/2025;X;x\n"
        "FH 01;000124;03/03/2025;P;x\n"
        "FH01;000124;03/03/2025\n"
        "FH01;;04/03/2025;P;\n"
        "FH01;000125;04/03/2025;P;\n"
    ).encode("windows-1252")
    r = parse_activity(data, "activite/2025-03/fh.csv", "2025-03")
    assert (r.form, r.encoding) == ("long", "windows-1252")
    assert r.rows == [
        (2, "date", "FH01", "000123", D(2025, 3, 1), "P"),
        (3, "date", "FH01", "123", D(2025, 3, 2), "H"),
        (10, "date", "FH01", "000125", D(2025, 3, 4), "P"),
    ]
    p = "activite/2025-03/fh.csv"
    assert r.rejects == [
        Reject(p, 4, "date", "2025-04-02", "date hors du mois 2025-03"),
        Reject(p, 5, "date", "31/02/2025", "date inexistante"),
        Reject(p, 6, "code", "X", "code inconnu, attendu : P, H, C ou F"),
        Reject(
            p,
            7,
            "code_etablissement",
            "FH 01",
            "code attendu : lettres, chiffres, « - » ou « _ » (32 caractères au plus)",
        ),
        Reject(p, 8, "code", "FH01", "3 champ(s) au lieu de 5"),
        Reject(p, 9, "id_usager", "", "valeur obligatoire absente"),
    ]
    assert r.days_read == 9


def test_grid_form_one_row_per_filled_cell():
    data = b"code_etablissement;id_usager;J01;J02;J28;J29;J30;J31\nIME01;7;P;;F;;;\nIME01;8;;z;;H;;\n"
    r = parse_activity(data, "g.csv", "2025-02")
    assert r.form == "grille"
    assert r.rows == [(2, "J01", "IME01", "7", D(2025, 2, 1), "P"), (2, "J28", "IME01", "7", D(2025, 2, 28), "F")]
    assert r.rejects == [
        Reject("g.csv", 3, "J02", "z", "code inconnu, attendu : P, H, C ou F"),
        Reject("g.csv", 3, "J29", "H", "jour 29 hors du mois 2025-02"),
    ]


def test_a_header_of_neither_form_is_unreadable():
    with pytest.raises(UnreadableFile) as err:
        parse_activity(b"code_etablissement;id_usager;jour;presence\n", "a.csv", "2025-03")
    assert str(err.value) == (
        "a.csv, ligne 1 : ni la forme longue (colonnes date et code) ni la grille "
        "(colonnes J01 … J31) ; en-tête lu : code_etablissement; id_usager; jour; presence"
    )
    with pytest.raises(UnreadableFile, match=r"a.csv, ligne 1 : colonne\(s\) obligatoire\(s\) absente\(s\) : code"):
        parse_activity(b"code_etablissement;id_usager;date\n", "a.csv", "2025-03")


def frame(rows):
    return pl.DataFrame(rows, schema=ROW_SCHEMA, orient="row").with_columns(pl.lit("f.csv").alias("source_path"))


def test_validation_against_the_referential_and_leading_zeros():
    rows = frame(
        [
            (2, "date", "FH01", "123", D(2025, 3, 1), "P"),
            (3, "date", "XX01", "000123", D(2025, 3, 1), "P"),
            (4, "date", "FH01", "999", D(2025, 3, 1), "P"),
        ]
    )
    good, rejects = validate_activity(rows, {"FH01"}, {"123": "000123"})
    assert good.select("source_line", "resident_id").rows() == [(2, "000123")]
    assert rejects == [
        Reject("f.csv", 3, "code_etablissement", "XX01", "établissement inconnu"),
        Reject("f.csv", 4, "id_usager", "999", "usager inconnu"),
    ]


def test_duplicates_hold_the_whole_establishment_month():
    rows = frame(
        [
            (2, "date", "FH01", "1", D(2025, 3, 1), "P"),
            (3, "date", "FH01", "1", D(2025, 3, 1), "H"),
            (4, "date", "FH01", "2", D(2025, 3, 1), "P"),
            (2, "date", "FV01", "1", D(2025, 3, 1), "P"),
        ]
    )
    held = hold_duplicates(rows)
    assert held.select("establishment_code", "source_line", "held").rows() == [
        ("FH01", 2, True),
        ("FH01", 3, True),
        ("FH01", 4, True),
        ("FV01", 2, False),
    ]
