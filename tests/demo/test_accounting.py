"""The demo's accounting department exports the fiscal year of the month before the close, opening with the
à-nouveaux of the years before: the réciprocité reads a ledger the size of a year, as a real FEC is."""

import datetime as dt
from decimal import Decimal

from assets.accounting.fec import FecLine, read_fec, write_fec
from assets.accounting.reciprocity import OurLine, reciprocity
from demo.accounting import AccountingDepartment

D = Decimal


def entry(journal, num, day, piece, aux, amount, revenue="7342"):
    debit, credit = (amount, "0") if journal == "VT" else ("0", amount)
    other = revenue if journal == "VT" else "512"
    return [
        FecLine(journal, journal, num, day, "411", "Clients", aux, f"Payeur {aux}", piece, day, piece,
                D(debit), D(credit), valid_date=day),
        FecLine(journal, journal, num, day, other, other, "", "", piece, day, piece, D(credit), D(debit),
                valid_date=day),
    ]  # fmt: skip


def our_file(home, month, *entries):
    folder = home / "sorties" / month / "comptabilite"
    folder.mkdir(parents=True)
    (folder / f"ecritures_{month}.txt").write_bytes(write_fec([x for e in entries for x in e]))


def test_the_ledger_holds_the_year_and_the_a_nouveaux_of_the_years_before(tmp_path):
    home = tmp_path
    nov, dec, jan = dt.date(2024, 11, 5), dt.date(2024, 12, 5), dt.date(2025, 1, 5)
    our_file(home, "2024-11", entry("VT", "VT-1", nov, "F2024-000001", "D66", "1000.00"),
             entry("VT", "VT-2", nov, "F2024-000002", "U000001", "310.00"))  # fmt: skip
    our_file(home, "2024-12", entry("BQ", "BQ-1", dec, "CAMT-1", "D66", "600.00"))
    our_file(home, "2025-01", entry("VT", "VT-3", jan, "F2025-000001", "D66", "900.00"))
    department = AccountingDepartment(duplicate_month="-", manual_month="-")
    ledger_path = home / "entrees" / "comptabilite" / "grand_livre.txt"

    assert department.export(home, "2024-12") == 6 + 2 * 6  # 3 entries of ours, the other activity of 2 months
    assert {x.journal_code for x in read_fec(ledger_path.read_bytes()).lines} == {"VT", "BQ", "PA", "AC"}

    department.export(home, "2025-01")
    lines = read_fec(ledger_path.read_bytes()).lines
    assert min(x.ecriture_date for x in lines) == dt.date(2025, 1, 1)  # nothing of 2024 but its balances
    opening = [x for x in lines if x.journal_code == "AN"]
    assert {x.ecriture_num for x in opening} == {"AN000001"}
    balances = {(x.compte_num, x.comp_aux_num): x.debit - x.credit for x in opening}
    assert balances == {
        ("411", "D66"): D("400.00"),
        ("411", "U000001"): D("310.00"),
        ("512", ""): D("600.00") - 2 * D("3187.40"),  # a receipt, and a purchase paid each month
        ("421", ""): -2 * D("412380.00"),
        ("119", ""): D("1310.00") * -1 + 2 * (D("412380.00") + D("3187.40")),  # 2024's result: a loss
    }
    assert sum(balances.values()) == 0
    assert [x.ecriture_num for x in lines if x.journal_code == "VT"] == ["VT000001", "VT000001"]  # from 1 again
    ours = [
        OurLine("D66", "Payeur D66", "F2024-000001", "VT-1", nov, D("1000.00")),
        OurLine("U000001", "Payeur U000001", "F2024-000002", "VT-2", nov, D("310.00")),
        OurLine("D66", "Payeur D66", "CAMT-1", "BQ-1", dec, D("-600.00")),
        OurLine("D66", "Payeur D66", "F2025-000001", "VT-3", jan, D("900.00")),
    ]
    assert reciprocity(read_fec(ledger_path.read_bytes()), ours, "411", dt.date(2025, 1, 31)) == []
