"""A manual receipts file is the cell's running list, opened and saved again by Excel between two closes:
each receipt stays one receipt (issue 24: a cheque 0012345 saved as 12345 was received twice, 534,88 €, and
entered twice in the bank journal)."""

from decimal import Decimal

import pytest

from assets.payments import loading
from assets.payments.manual import parse_manual_receipts
from tests.billing.case import D
from tests.payments.test_payment_stage import billed, close, drop, rows

HEADER = "date;montant;mode;payeur;reference;numero_piece\n"
RUNNING = (
    HEADER + "05/03/2025;310,00;cheque;U000001;;0012345\n"  # the resident's January contribution
    "2025-03-06;1234,56;virement;D66;VIR 0042;\n"
    "2025-03-06;1234,56;virement;D66;VIR 0042;\n"  # the same transfer twice: two receipts
    "2025-03-07;534,88;especes;U000001;;\n"
)


def excel_resave(rows_: list[str]) -> bytes:
    """The rows as a French Excel saves the file again: zeros of digit cells dropped, dates d/m/yyyy, amounts
    with a no-break space between thousands, Windows-1252, CRLF, the empty columns it kept as `;;;;`."""
    return "".join(r + ";;;;\r\n" for r in rows_).encode("windows-1252")


RESAVED = [
    "date;montant;mode;payeur;reference;numero_piece",
    "5/3/2025;310;cheque;U1;;12345",
    "6/3/2025;1\xa0234,56;virement;D66;VIR 0042;",
    "6/3/2025;1\xa0234,56;virement;D66;VIR 0042;",
    "7/3/2025;534,88;especes;U000001;;",
]


def test_a_receipts_file_saved_again_by_excel_adds_no_receipt(tmp_path):
    case, home = billed(tmp_path), tmp_path / "home"
    drop(home, "encaissements/saisie.csv", RUNNING)
    loaded, *_ = close(case, home, "2025-03")
    assert (loaded.read, loaded.lines_new, loaded.rejected) == (1, 4, 0)
    before = rows(case, "SELECT line_id, amount, booking_date FROM bank_lines ORDER BY ALL")
    allocations = rows(case, "SELECT line_id, number, amount, rule FROM allocations ORDER BY ALL")
    assert ("MAN-cheque-0012345", "F2025-000002", Decimal("310.00"), "payeur_montant") in allocations
    # re-saved, with one more cheque entered since: only that one is new
    path = home / "entrees" / "encaissements" / "saisie.csv"
    path.write_bytes(excel_resave([*RESAVED, "8/4/2025;310;cheque;U1;;12399"]))
    loaded, *_ = close(case, home, "2025-04")
    assert (loaded.read, loaded.lines_read, loaded.lines_new, loaded.lines_known, loaded.rejected) == (1, 5, 1, 4, 0)
    after = rows(case, "SELECT line_id, amount, booking_date FROM bank_lines ORDER BY ALL")
    assert [x for x in after if x not in before] == [("MAN-cheque-12399", Decimal("310.00"), D(2025, 4, 8))]
    assert rows(case, "SELECT count(*) FROM quarantine WHERE month = '2025-04'") == [(0,)]
    # the new cheque's payer, written U1, is the resident U000001: it pays the resident's open invoice
    assert rows(case, "SELECT payer_hint FROM bank_lines WHERE line_id = 'MAN-cheque-12399'") == [("U000001",)]
    assert rows(case, "SELECT number, rule FROM allocations WHERE line_id = 'MAN-cheque-12399'") == [
        ("F2025-000004", "payeur_montant")
    ]
    # saved once more, every row known: nothing new, nothing set aside
    path.write_bytes(excel_resave([*RESAVED, "08/04/2025;310,00;cheque;U000001;;0012399"]))
    loaded, *_ = close(case, home, "2025-04")
    assert (loaded.read, loaded.lines_new, loaded.lines_known, loaded.rejected) == (1, 0, 5, 0)


def test_receipts_stored_by_an_earlier_version_are_recognised_by_their_key(tmp_path, monkeypatch):
    """A warehouse keeps the ids made the old way (the payer column as written, `U1`, in the hash of a receipt
    without piece; the piece as written, `0012345`): the file saved again is compared on the receipt's key,
    and the ids already in allocations, entries and the audit chain are left as they are."""
    case, home = billed(tmp_path), tmp_path / "home"
    old = HEADER + "05/03/2025;310,00;cheque;U1;;0012345\n2025-03-07;534,88;especes;U1;;\n"
    with monkeypatch.context() as m:
        m.setattr(loading, "payer_codes", lambda con: {})  # as before payer codes were read as stored
        drop(home, "encaissements/saisie.csv", old)
        close(case, home, "2025-03")
    old_ids = rows(case, "SELECT line_id FROM bank_lines ORDER BY ALL")
    made_the_old_way = parse_manual_receipts(old.encode(), "e.csv")[0]  # without the payer codes stored
    assert old_ids == sorted((x.line_id,) for x in made_the_old_way)
    assert ("MAN-cheque-0012345",) in old_ids
    (home / "entrees" / "encaissements" / "saisie.csv").write_bytes(
        excel_resave(["date;montant;mode;payeur;reference;numero_piece", *RESAVED[1:2], *RESAVED[4:]])
    )
    loaded, *_ = close(case, home, "2025-04")
    assert (loaded.read, loaded.lines_new, loaded.lines_known, loaded.rejected) == (1, 0, 2, 0)
    assert rows(case, "SELECT line_id FROM bank_lines ORDER BY ALL") == old_ids


def test_a_decision_names_a_cheque_whatever_the_zeros_of_its_piece_number(tmp_path):
    case, home = billed(tmp_path), tmp_path / "home"
    drop(home, "encaissements/saisie.csv", HEADER + "2025-03-20;77,00;cheque;;;0012345\n")
    close(case, home, "2025-03")
    drop(home, "relances/lettrage_manuel.csv", "id_ligne_bancaire;numero_facture;montant\nMAN-cheque-12345;;\n")
    _, matched, _, bad = close(case, home, "2025-03")
    assert (bad, matched.rejected_decisions) == (0, 0)
    assert rows(case, "SELECT line_id FROM manual_decisions") == [("MAN-cheque-0012345",)]
    assert rows(case, "SELECT status FROM line_states WHERE line_id = 'MAN-cheque-0012345'") == [("hors_recettes",)]


@pytest.mark.parametrize("piece", ["1,23457E+11", "1.23457E+11", "1E+12"])
def test_a_piece_number_in_scientific_notation_is_set_aside_naming_its_line_and_column(piece):
    data = (HEADER + f"05/03/2025;310,00;cheque;U000001;;{piece}\n").encode()
    lines, rejects = parse_manual_receipts(data, "encaissements/saisie.csv")
    assert lines == []
    assert [(r.path, r.line, r.column, r.value) for r in rejects] == [
        ("encaissements/saisie.csv", 2, "numero_piece", piece)
    ]
    assert rejects[0].reason.startswith("nombre en notation scientifique (Excel) : les chiffres de l'identifiant")
