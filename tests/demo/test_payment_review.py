"""The demo's billing cell (demo/payments.py `PaymentSimulator.review`): what it writes to
relances/lettrage_manuel.csv after a close, reading the month's matching files as the cell would."""

import datetime as dt
from decimal import Decimal

from assets.payments.matching import match
from assets.payments.matching_records import Decision, Invoice, Line
from assets.payments.payer_directory import Directory
from demo.payments import PaymentSimulator

MONTH = "2025-03"
PAYERS = "code_financeur;nom;iban\nD66;DEPARTEMENT DES PYRENEES-ORIENTALES;\n"
RESIDENTS = "id_usager;nom;prenom;iban;representant\n" + "".join(f"{k:06d};MARTY;Jean;;\n" for k in range(1, 9))
SHARED = "compte ou nom commun à 8 payeurs"
REGISTER_HEADER = "numero;type;code_financeur;date_emission;date_echeance;montant;numero_facture_origine"


def french(amount: Decimal) -> str:
    return str(amount).replace(".", ",")


def cell(tmp_path, register_rows):
    referential = {"financeurs.csv": PAYERS.encode(), "usagers.csv": RESIDENTS.encode()}
    cell = PaymentSimulator(66, "FR7630004000031234567890143", referential)
    register = tmp_path / "registre.csv"
    register.write_text("\n".join([REGISTER_HEADER, *register_rows]) + "\n", encoding="utf-8")
    cell.schedule(register)
    return cell


def write_matching(tmp_path, matched, queue):
    folder = tmp_path / "sorties" / MONTH / "lettrage"
    folder.mkdir(parents=True)
    header = "id_ligne_bancaire;date;montant;numero_facture;montant_affecte;regle;code_financeur;lettre;date_lettrage"
    (folder / "rapprochements.csv").write_text("\n".join([header, *matched]) + "\n", encoding="utf-8")
    header = "id_ligne_bancaire;date;montant;compte;libelle;nom_emetteur;iban_emetteur;payeur_probable;motif"
    (folder / "non_rapproches.csv").write_text("\n".join([header, *queue]) + "\n", encoding="utf-8")


def decisions(tmp_path):
    return (tmp_path / "entrees" / "relances" / "lettrage_manuel.csv").read_text(encoding="utf-8").splitlines()


def test_a_transfer_cut_by_the_bank_is_placed_from_its_payment_advice(tmp_path):
    numbers = [f"F2025-{k:06d}" for k in range(1, 16)]
    rows = [f"{n};facture;D66;2025-02-05;2025-03-07;{1000 + k},50;" for k, n in enumerate(numbers)]
    payers = cell(tmp_path, rows)
    (transfer,) = payers.plan.cfonb
    assert transfer.amount == Decimal("15112.50") and len(transfer.remittance) > 140  # 15 numbers: cut
    line_id = f"CFONB-135061000066012345678-{transfer.booking_date:%Y%m%d}-0000001-{transfer.bank_ref}"
    # the bank kept 9 numbers: those invoices are settled, 6,072.00 stays to the payer's credit, and the
    # eleventh invoice, one the text lost, was paid by a cheque meanwhile (the last line)
    matched = [
        f"{line_id};2025-03-20;15112,50;{n};{1000 + k},50;reference;D66;AA;2025-03-20"
        for k, n in enumerate(numbers[:9])
    ] + [f"CAMT-B0001-1;2025-03-10;1010,50;{numbers[10]};1010,50;payeur_montant;D66;AB;2025-03-10"]
    write_matching(tmp_path, matched, [])
    assert payers.review(tmp_path, MONTH) == 1
    # every invoice of the advice, the one paid by the cheque left out: the line keeps a credit of 1,010.50
    expected = [f"{line_id};{n};{1000 + k},50" for k, n in enumerate(numbers) if k != 10]
    assert decisions(tmp_path) == ["id_ligne_bancaire;numero_facture;montant", *expected]
    # decided once: the next review adds nothing
    assert payers.review(tmp_path, MONTH) == 0
    assert decisions(tmp_path)[1:] == expected


def test_a_cheque_under_a_shared_name_goes_to_the_invoice_its_stub_names(tmp_path):
    amounts = {f"F2025-{k:06d}": Decimal(300 + k) for k in range(1, 9)}  # residents 1 to 8, one name
    rows = [f"{n};facture;U{k:06d};2025-02-05;2025-03-07;{a},00;" for k, (n, a) in enumerate(amounts.items(), 1)]
    payers = cell(tmp_path, rows)
    paid_by = {a: n for n, a in amounts.items()}
    cheques = [m for m in payers.plan.camt if m.label == "REMISE CHEQUES" and m.amount in paid_by]
    assert len(cheques) >= 3 and {m.debtor_name for m in cheques} == {"MARTY Jean"}
    queue = [
        f"CAMT-B0001-{k};2025-03-11;{french(m.amount)};FR76;REMISE CHEQUES;{m.debtor_name};;;{SHARED}"
        for k, m in enumerate(cheques, start=1)
    ]
    write_matching(tmp_path, [], queue)
    assert payers.review(tmp_path, MONTH) == len(cheques)
    assert decisions(tmp_path)[1:] == [
        f"CAMT-B0001-{k};{paid_by[m.amount]};{french(m.amount)}" for k, m in enumerate(cheques, start=1)
    ]


def test_a_short_paid_transfer_is_placed_within_its_amount_and_the_matching_accepts_it(tmp_path, monkeypatch):
    numbers = [f"F2025-{k:06d}" for k in range(1, 16)]
    amounts = [Decimal("1000.00")] * 14 + [Decimal("60.00")]  # the last invoice is below the 100.00 short
    rows = [f"{n};facture;CPAM66;2025-02-05;2025-03-07;{french(a)};" for n, a in zip(numbers, amounts, strict=True)]
    referential = {
        "financeurs.csv": (PAYERS + "CPAM66;CPAM DES PYRENEES-ORIENTALES;\n").encode(),
        "usagers.csv": RESIDENTS.encode(),
    }
    payers = PaymentSimulator(66, "FR7630004000031234567890143", referential)
    monkeypatch.setattr(payers.rng, "random", lambda: 0.05)  # draws "paid short"
    register = tmp_path / "registre.csv"
    register.write_text("\n".join([REGISTER_HEADER, *rows]) + "\n", encoding="utf-8")
    payers.schedule(register)
    (transfer,) = payers.plan.cfonb
    assert transfer.amount == Decimal("13960.00")  # 14,060.00 less 100.00
    line_id = f"CFONB-135061000066012345678-{transfer.booking_date:%Y%m%d}-0000001-{transfer.bank_ref}"
    matched = [f"{line_id};2025-03-20;13960,00;{n};1000,00;reference;CPAM66;AA;2025-03-20" for n in numbers[:9]]
    write_matching(tmp_path, matched, [])
    assert payers.review(tmp_path, MONTH) == 1
    # the short 100.00 is the last invoice's 60.00 and 40.00 of the one before
    expected = [f"{line_id};{n};1000,00" for n in numbers[:13]] + [f"{line_id};{numbers[13]};960,00"]
    assert decisions(tmp_path)[1:] == expected
    # and the matching applies the decision whole: no row refused
    invoices = [Invoice(n, "CPAM66", dt.date(2025, 2, 5), a) for n, a in zip(numbers, amounts, strict=True)]
    line = Line(line_id, transfer.booking_date, transfer.amount, transfer.remittance)
    decided = [
        Decision(row.split(";")[0], row.split(";")[1], Decimal(row.split(";")[2].replace(",", ".")), k)
        for k, row in enumerate(expected, start=2)
    ]
    result = match(invoices, [line], [], decided, Directory(), [])
    assert result.rejected == [] and result.states[line_id].status == "rapproche"
    assert sum(a.amount for a in result.allocations) == transfer.amount
