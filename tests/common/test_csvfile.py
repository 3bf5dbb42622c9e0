import pytest

from assets.common.csvfile import MIXED, Reject, UnreadableFile, decode, parse_csv_text, read_csv_file

REQ = {"code_etablissement", "id_usager", "date", "code"}
HEADER = "code_etablissement;id_usager;date;code\n"


def read(data: bytes):
    text, encoding = decode(data, "x.csv")
    return parse_csv_text(text, "x.csv", REQ, encoding)


def test_rows_keep_their_line_numbers_and_trimmed_cells():
    t = read((HEADER + "FH01; 000123 ;01/03/2025;P\n\n;;;\nFH01;000124;2025-03-02;H\n").encode())
    assert t.encoding == "utf-8"
    assert t.rows == [
        (2, {"code_etablissement": "FH01", "id_usager": "000123", "date": "01/03/2025", "code": "P"}),
        (5, {"code_etablissement": "FH01", "id_usager": "000124", "date": "2025-03-02", "code": "H"}),
    ]
    assert t.rejects == []


def test_windows_1252_as_excel_saves_it():
    t = read(
        "code_etablissement;id_usager;date;code;nom\r\nFV01;7;01/03/2025;P;Cœur d’Hélène\r\n".encode("windows-1252")
    )
    assert t.encoding == "windows-1252"
    assert t.rows[0][1]["nom"] == "Cœur d’Hélène"


def test_lines_in_utf8_and_lines_in_windows_1252_are_each_read_in_their_own():
    data = "code;nom\r\nFH01;Foyer Les Albères\r\n".encode() + "ZZ01;Foyer École\r\n".encode("cp1252")
    assert decode(data, "x.csv") == ("code;nom\r\nFH01;Foyer Les Albères\r\nZZ01;Foyer École\r\n", MIXED)


def test_utf8_bom_and_header_case():
    t = read(b"\xef\xbb\xbfCode_Etablissement ; ID_USAGER;Date;CODE\nFH01;1;01/03/2025;P\n")
    assert t.columns == ["code_etablissement", "id_usager", "date", "code"]
    assert len(t.rows) == 1


def test_wrong_field_count_is_a_rejected_row_and_trailing_empty_fields_are_tolerated():
    t = read((HEADER + "FH01;1;01/03/2025\nFH01;2;01/03/2025;P;;\nFH01;3;01/03/2025;P;X\n").encode())
    assert [line for line, _ in t.rows] == [3]
    assert t.rejects == [
        Reject("x.csv", 2, "code", "FH01", "3 champ(s) au lieu de 4"),
        Reject("x.csv", 4, "code", "FH01", "5 champ(s) au lieu de 4"),
    ]


def test_quoted_field_spanning_lines_keeps_line_numbers_right():
    t = read((HEADER + 'FH01;1;01/03/2025;"P"\nFH01;"2\nbis";01/03/2025;P\nFH01;3;01/03/2025;P\n').encode())
    assert [line for line, _ in t.rows] == [2, 3, 5]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "x.csv : fichier vide"),
        (b"   \n", "x.csv : fichier vide"),
        (
            b"PK\x03\x04\x14\x00rest",
            "x.csv : ce fichier est un classeur Excel ou une archive ZIP, pas un CSV ; "
            "enregistrez-le au format « CSV (séparateur : point-virgule) »",
        ),
        (
            b"%PDF-1.7\n",
            "x.csv : ce fichier est un PDF, pas un CSV ; enregistrez-le au format « CSV (séparateur : point-virgule) »",
        ),
        (b"code;\x00\x01\x02", "x.csv : fichier binaire (octet nul à la position 5), pas un CSV"),
        (
            b"code_etablissement;id_usager\n\x81\x81",
            "x.csv, ligne 2, colonne 1 : encodage non reconnu (ni UTF-8 ni Windows-1252), octet 0x81",
        ),
        (
            "code;nom\nFH01;Foyer Les Albères\n".encode() + b"ZZ01;\xc9cole \x81\n",
            "x.csv, ligne 3, colonne 12 : encodage non reconnu (ni UTF-8 ni Windows-1252), octet 0x81",
        ),
        (
            b"code_etablissement,id_usager,date,code\nFH01,1,01/03/2025,P\n",
            "x.csv : séparateur « virgule » détecté à la ligne 1 ; le séparateur attendu est le point-virgule « ; »",
        ),
        (
            b"code_etablissement\tid_usager\tdate\tcode\n",
            "x.csv : séparateur « tabulation » détecté à la ligne 1 ; le séparateur attendu est le point-virgule « ; »",
        ),
        (
            b"FH01;000123;01/03/2025;P\nFH01;000123;02/03/2025;P\n",
            "x.csv : en-tête absent, la ligne 1 ressemble à des données ; colonnes attendues : code, "
            "code_etablissement, date, id_usager",
        ),
        (
            b"DURAND;Lea;x;y\n",
            "x.csv : en-tête absent, la ligne 1 ne contient aucune des colonnes attendues ; colonnes attendues : "
            "code, code_etablissement, date, id_usager",
        ),
        (
            b"code_etablissement;id_usager;jour;code\n",
            "x.csv, ligne 1 : colonne(s) obligatoire(s) absente(s) : date (en-tête lu : "
            "code_etablissement; id_usager; jour; code)",
        ),
        (b"code_etablissement;id_usager;date;code;date\n", "x.csv, ligne 1 : colonne(s) en double : date"),
        (b"\ncode_etablissement;id_usager;date;code\n", "x.csv : la première ligne est vide, l'en-tête est absent"),
        (
            (HEADER + "FH01;1;01/03/2025;P\nFH01;2;01/0").encode(),
            "x.csv, ligne 3 : fichier tronqué, la dernière ligne est incomplète (3 champ(s) sur 4)",
        ),
        (
            (HEADER + 'FH01;1;01/03/2025;"P\nFH01;2;01/03/2025;P').encode(),
            "x.csv, ligne 2 : fichier tronqué ou guillemet non fermé (unexpected end of data)",
        ),
    ],
)
def test_unreadable_files_name_the_file_and_the_problem(data, message):
    with pytest.raises(UnreadableFile) as err:
        read(data)
    assert str(err.value) == message


def test_file_too_large_is_refused_without_reading(tmp_path, monkeypatch):
    import assets.common.csvfile as csvfile

    monkeypatch.setattr(csvfile, "MAX_BYTES", 10)
    path = tmp_path / "big.csv"
    path.write_bytes(HEADER.encode())
    with pytest.raises(UnreadableFile, match=r"big.csv : fichier de 39 octets, au-delà de la limite de 10"):
        read_csv_file(path, "big.csv", REQ)
