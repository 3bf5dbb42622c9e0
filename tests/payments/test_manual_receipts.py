import datetime as dt
from decimal import Decimal

import pytest

from assets.common.csvfile import Reject, UnreadableFile
from assets.payments.manual import parse_manual_receipts

HEADER = "date;montant;mode;payeur;reference;numero_piece\n"


def test_receipts_with_stable_ids_and_every_rejected_row():
    data = (
        HEADER + "05/03/2025;363,36;cheque;GARCIA Hélène;F2025-001065;CHQ 1234567\n"
        "2025-03-06;1 500,00;virement;D66;F2025-000980 F2025-000981;\n"
        "2025-03-06;1 500,00;virement;D66;F2025-000980 F2025-000981;\n"
        "31/02/2025;10,00;especes;;;\n"
        "07/03/2025;dix;especes;;;\n"
        "07/03/2025;0;especes;;;\n"
        "07/03/2025;10,00;carte;;;\n"
    ).encode("windows-1252")
    lines, rejects = parse_manual_receipts(data, "encaissements/mars.csv")
    assert [(x.booking_date, x.amount, x.label, x.debtor_name, x.reference) for x in lines] == [
        (dt.date(2025, 3, 5), Decimal("363.36"), "cheque", "GARCIA Hélène", "F2025-001065"),
        (dt.date(2025, 3, 6), Decimal("1500.00"), "virement", "D66", "F2025-000980 F2025-000981"),
        (dt.date(2025, 3, 6), Decimal("1500.00"), "virement", "D66", "F2025-000980 F2025-000981"),
    ]
    assert lines[0].line_id == "MAN-cheque-CHQ 1234567"
    assert lines[1].line_id != lines[2].line_id  # two identical transfers of a day stay two receipts
    again, _ = parse_manual_receipts(data, "encaissements/mars.csv")
    assert [x.line_id for x in again] == [x.line_id for x in lines]
    p = "encaissements/mars.csv"
    assert rejects == [
        Reject(p, 5, "date", "31/02/2025", "date inexistante"),
        Reject(p, 6, "montant", "dix", "montant attendu (par exemple 1234,56)"),
        Reject(p, 7, "montant", "0", "montant nul"),
        Reject(p, 8, "mode", "carte", "valeur non prévue, attendu : cheque, especes, virement, prelevement"),
    ]


def test_a_file_without_the_required_columns_is_unreadable():
    with pytest.raises(UnreadableFile, match=r"colonne\(s\) obligatoire\(s\) absente\(s\) : mode"):
        parse_manual_receipts(b"date;montant\n05/03/2025;1,00\n", "e.csv")
