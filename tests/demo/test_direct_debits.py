"""The demo's bank debits what the pipeline asks (demo/payments.py `PaymentSimulator.collect`, demo/sepa.py):
after a close, sorties/AAAA-MM/tresorerie/prelevements.xml (pain.008.001.02) read on local names, one PRLV SEPA
movement per transaction on its collection date; without the file, the residents with an IBAN are debited on
the due date as before."""

import datetime as dt
from decimal import Decimal

from demo.bank_files import Movement
from demo.payments import PaymentSimulator
from demo.sepa import Collection, read_collections

PAYERS = "code_financeur;nom;iban\nD66;DEPARTEMENT DES PYRENEES-ORIENTALES;\n"
IBAN1, IBAN2 = "FR7630006000011234567890189", "FR7610278103530564772473759"
RESIDENTS = (
    "id_usager;nom;prenom;iban;representant\n"
    f"000001;MARTY;Jean;{IBAN1[:4]} {IBAN1[4:8]} {IBAN1[8:]};\n"
    f"000002;SOLER;Anna;{IBAN2};\n"
    "000003;PUJOL;Pere;;\n"
)
REGISTER_HEADER = "numero;type;code_financeur;date_emission;date_echeance;montant;numero_facture_origine"
REGISTER = [
    "F2025-000001;facture;U000001;2025-02-05;2025-03-07;310,50;",
    "F2025-000002;facture;U000002;2025-02-05;2025-03-07;95,00;",
    "F2025-000003;facture;U000003;2025-02-05;2025-03-07;120,00;",
    "F2025-000004;facture;D66;2025-02-05;2025-03-07;5000,00;",
]
NS = "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"


def transaction(number, amount, iban, rum, name=None):
    debtor = f"<Dbtr><Nm>{name}</Nm></Dbtr>" if name else ""
    return f"""
      <DrctDbtTxInf>
        <PmtId><EndToEndId>{number}</EndToEndId></PmtId>
        <InstdAmt Ccy="EUR">{amount}</InstdAmt>
        <DrctDbtTx><MndtRltdInf><MndtId>{rum}</MndtId><DtOfSgntr>2020-01-01</DtOfSgntr></MndtRltdInf></DrctDbtTx>
        <DbtrAgt><FinInstnId><BIC>AGRIFRPPXXX</BIC></FinInstnId></DbtrAgt>
        {debtor}
        <DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct>
        <RmtInf><Ustrd>Participation {number}</Ustrd></RmtInf>
      </DrctDbtTxInf>"""


def block(sequence, day, *transactions):
    return f"""
    <PmtInf>
      <PmtInfId>PRLV-{sequence}-{day}</PmtInfId><PmtMtd>DD</PmtMtd>
      <PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl><LclInstrm><Cd>CORE</Cd></LclInstrm><SeqTp>{sequence}</SeqTp></PmtTpInf>
      <ReqdColltnDt>{day}</ReqdColltnDt>
      <Cdtr><Nm>ASSOCIATION</Nm></Cdtr>
      {"".join(transactions)}
    </PmtInf>"""


def pain008(*blocks, namespace=NS):
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document{xmlns}><CstmrDrctDbtInitn>
  <GrpHdr><MsgId>PRLV-2025-02</MsgId><NbOfTxs>2</NbOfTxs></GrpHdr>{"".join(blocks)}
</CstmrDrctDbtInitn></Document>"""


# the close of January 2025 asks two collections: the first of U000001 (FRST), a recurring one of U000002 (RCUR)
FILE = pain008(
    block("FRST", "2025-03-10", transaction("F2025-000001", "310.50", IBAN1, "RUM-000001")),
    block("RCUR", "2025-03-11", transaction("F2025-000002", "95.00", IBAN2, "RUM-000002", name="SOLER ANNA")),
)


class Draws:
    """A generator whose draws are given: random() from `values` in turn, randint() its lowest, choice() the
    first."""

    def __init__(self, *values):
        self.values = list(values)

    def random(self):
        return self.values.pop(0)

    def randint(self, low, high):
        return low

    def choice(self, seq):
        return seq[0]


def bank(tmp_path, month="2025-01", xml=FILE):
    referential = {"financeurs.csv": PAYERS.encode(), "usagers.csv": RESIDENTS.encode()}
    payers = PaymentSimulator(66, "FR7630004000031234567890143", referential)
    write(tmp_path, month, REGISTER, xml)
    return payers


def write(home, month, register, xml):
    folder = home / "sorties" / month
    (folder / "factures").mkdir(parents=True, exist_ok=True)
    (folder / "factures" / "registre.csv").write_text("\n".join([REGISTER_HEADER, *register]) + "\n", encoding="utf-8")
    if xml is not None:
        (folder / "tresorerie").mkdir(parents=True, exist_ok=True)
        (folder / "tresorerie" / "prelevements.xml").write_text(xml, encoding="utf-8")


def debits(payers):
    return [m for m in payers.plan.camt if m.label in ("PRLV SEPA", "IMPAYE PRLV")]


def test_the_file_is_read_on_local_names_with_or_without_a_namespace(tmp_path):
    expected = [
        Collection(
            "F2025-000001",
            Decimal("310.50"),
            dt.date(2025, 3, 10),
            IBAN1,
            "RUM-000001",
            "FRST",
            "",
            "Participation F2025-000001",
        ),
        Collection(
            "F2025-000002",
            Decimal("95.00"),
            dt.date(2025, 3, 11),
            IBAN2,
            "RUM-000002",
            "RCUR",
            "SOLER ANNA",
            "Participation F2025-000002",
        ),
    ]
    for name, namespace in (("a.xml", NS), ("b.xml", "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"), ("c.xml", "")):
        path = tmp_path / name
        path.write_text(FILE.replace(f' xmlns="{NS}"', f' xmlns="{namespace}"' if namespace else ""), encoding="utf-8")
        assert read_collections(path) == expected
    assert read_collections(tmp_path / "absent.xml") is None


def test_the_bank_debits_each_transaction_on_its_collection_date_and_nothing_else(tmp_path):
    payers = bank(tmp_path)
    payers.sepa_rng = Draws(0.5, 0.5)  # neither is returned
    payers.after_close(tmp_path, "2025-01")
    assert payers.sepa
    assert debits(payers) == [
        Movement(
            dt.date(2025, 3, 10),
            Decimal("310.50"),
            "PRLV SEPA",
            "Participation F2025-000001",
            "",
            "MARTY Jean",  # the debtor's name from the referential when the file gives none
            IBAN1,
            "F2025-000001",
        ),
        Movement(
            dt.date(2025, 3, 11),
            Decimal("95.00"),
            "PRLV SEPA",
            "Participation F2025-000002",
            "",
            "SOLER ANNA",
            IBAN2,
            "F2025-000002",
        ),
    ]
    # the resident without a mandate pays otherwise (never by a debit), the département by transfer
    assert all(m.end_to_end_id != "F2025-000003" for m in payers.plan.camt)
    assert [m.amount for m in payers.plan.cfonb] == [Decimal("5000.00")]
    # the statement of March gathers the debits in one entry per collection date
    statement = payers._batches("PRLV SEPA", dt.date(2025, 3, 1), dt.date(2025, 3, 31), lambda d: d)
    assert [(m.booking_date, m.amount, len(m.batch)) for m in statement] == [
        (dt.date(2025, 3, 10), Decimal("310.50"), 1),
        (dt.date(2025, 3, 11), Decimal("95.00"), 1),
    ]


def test_a_returned_collection_is_debited_again_when_presented_again_and_only_then(tmp_path):
    payers = bank(tmp_path)
    payers.sepa_rng = Draws(0.01, 0.5)  # the first is returned, 5 days later (AM04)
    payers.after_close(tmp_path, "2025-01")
    returned = Movement(
        dt.date(2025, 3, 15),
        Decimal("-310.50"),
        "IMPAYE PRLV",
        "RETOUR F2025-000001",
        "R00000002",  # the bank's references: the département's transfer was given the first
        "MARTY Jean",
        IBAN1,
        "F2025-000001",
        reversal=True,
        return_reason="AM04",
    )
    assert [m.label for m in debits(payers)] == ["PRLV SEPA", "IMPAYE PRLV", "PRLV SEPA"]
    assert debits(payers)[1] == returned
    # February's close asks nothing: nothing is debited (the return is not seen yet)
    write(tmp_path, "2025-02", [], pain008())
    payers.after_close(tmp_path, "2025-02")
    assert len(debits(payers)) == 3
    # March's close read the return and presents the invoice again (RCUR), and asks February's again by mistake:
    # the first is debited again, the second not twice
    again = pain008(
        block("RCUR", "2025-04-10", transaction("F2025-000001", "310.50", IBAN1, "RUM-000001")),
        block("RCUR", "2025-03-11", transaction("F2025-000002", "95.00", IBAN2, "RUM-000002", name="SOLER ANNA")),
    )
    write(tmp_path, "2025-03", [], again)
    payers.sepa_rng = Draws(0.5)
    payers.after_close(tmp_path, "2025-03")
    assert debits(payers)[3:] == [
        Movement(
            dt.date(2025, 4, 10),
            Decimal("310.50"),
            "PRLV SEPA",
            "Participation F2025-000001",
            "",
            "MARTY Jean",
            IBAN1,
            "F2025-000001",
        )
    ]
    assert payers.returned == {}


def test_a_returned_collection_not_presented_again_is_paid_by_cheque_half_of_the_time(tmp_path):
    payers = bank(tmp_path)
    payers.sepa_rng = Draws(0.01, 0.5)
    payers.after_close(tmp_path, "2025-01")
    for month in ("2025-02", "2025-03"):  # the return (15 March) is read by March's close, which asks nothing
        write(tmp_path, month, [], pain008())
        payers.sepa_rng = Draws(0.2)
        payers.after_close(tmp_path, month)
    cheques = [m for m in payers.plan.camt if m.label == "REMISE CHEQUES" and m.amount == Decimal("310.50")]
    assert [(m.booking_date, m.debtor_name) for m in cheques] == [(dt.date(2025, 4, 11), "MARTY Jean")]
    assert payers.returned == {}


def test_without_the_file_the_residents_with_an_iban_are_debited_on_the_due_date(tmp_path):
    payers = bank(tmp_path, xml=None)
    payers.after_close(tmp_path, "2025-01")
    assert not payers.sepa
    on_due_date = [m for m in payers.plan.camt if m.label == "PRLV SEPA"]
    assert [(m.booking_date, m.amount, m.debtor_iban, m.end_to_end_id, m.remittance) for m in on_due_date] == [
        (dt.date(2025, 3, 7), Decimal("310.50"), IBAN1, "F2025-000001", "CONTRIBUTION F2025-000001"),
        (dt.date(2025, 3, 7), Decimal("95.00"), IBAN2, "F2025-000002", "CONTRIBUTION F2025-000002"),
    ]


def test_a_cheque_now_and_then_pays_too_much(tmp_path):
    payers = bank(tmp_path)
    payers.after_close(tmp_path, "2025-01")  # the register's invoices are known, direct debits on
    payers.plan.camt.clear()
    payers.surplus_rng = Draws(0.001, 0.5, 0.001)
    for day in (dt.date(2025, 3, 12), dt.date(2025, 3, 20), dt.date(2025, 4, 2)):
        payers._cheque(day, Decimal("120.00"), "PUJOL Pere", "F2025-000003")
    cheques = [(m.booking_date, m.amount, m.remittance) for m in payers.plan.camt]
    assert cheques[0] == (dt.date(2025, 3, 12), Decimal("130.00"), "CHQ F2025-000003")  # the number on it
    assert cheques[1][:2] == (dt.date(2025, 3, 20), Decimal("120.00"))
    assert cheques[2][1] == Decimal("130.00")


def test_a_transfer_sent_twice_once_a_year_and_its_refund_asked_before_the_close(tmp_path):
    payers = bank(tmp_path)
    payers.after_close(tmp_path, "2025-01")
    payers.plan.camt.clear()
    payers.payers["D11"] = ("DEPARTEMENT DE L'AUDE", IBAN2)
    payers.rng = Draws(0.9, 0.9, 0.9, 0.9, 0.9, 0.9)  # no unpaid invoice, no late or short payment, own account
    rows = [{"numero": "F2025-000010", "montant": "1000,00"}, {"numero": "F2025-000011", "montant": "250,50"}]
    payers._institution("D11", dt.date(2025, 2, 5), rows)
    payers._institution("D11", dt.date(2025, 3, 5), [{"numero": "F2025-000012", "montant": "80,00"}])
    moves = [(m.booking_date, m.amount, m.bank_ref, m.debtor_iban) for m in payers.plan.camt]
    assert moves == [
        (dt.date(2025, 3, 12), Decimal("1250.50"), "V00000002", IBAN2),
        (dt.date(2025, 3, 19), Decimal("1250.50"), "V00000002B", IBAN2),  # the same transfer a week later
        (dt.date(2025, 4, 9), Decimal("80.00"), "V00000003", IBAN2),  # once a year only
    ]
    payers.write_month(tmp_path, "2025-02")
    assert not (tmp_path / "entrees" / "relances" / "remboursements.csv").exists()
    payers.write_month(tmp_path, "2025-03")  # the cell sees it on March's statement, before March's close
    assert (tmp_path / "entrees" / "relances" / "remboursements.csv").read_text(encoding="utf-8").splitlines() == [
        "code_financeur;montant;motif",
        "D11;1250,50;virement reçu deux fois le 19/03/2025",
    ]


def test_before_the_pipeline_collects_no_cheque_pays_too_much(tmp_path):
    payers = bank(tmp_path, xml=None)
    payers.after_close(tmp_path, "2025-01")
    payers.surplus_rng = Draws()  # never drawn
    payers._cheque(dt.date(2025, 3, 12), Decimal("120.00"), "PUJOL Pere", "F2025-000003")
    assert payers.plan.camt[-1].amount == Decimal("120.00") and payers.overpaid == []
