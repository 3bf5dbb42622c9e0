"""The demo's bank files: valid camt.053.001.08, byte-exact CFONB 120, and both read back by our parsers
into the statements that were written."""

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from assets.payments.camt import parse_camt
from assets.payments.cfonb import parse_cfonb120
from assets.payments.statement_checks import chain_breaks, unbalanced
from demo.bank_files import (
    BankCodes,
    Movement,
    StatementData,
    bank_codes,
    camt053,
    cfonb120,
    french_iban,
    rib_from_iban,
)

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
XSD = SAMPLES / "schemas" / "iso20022" / "camt.053.001.08.xsd"

IBAN = "FR7630004001230001234567843"
RIB = ("30004", "00123", "00012345678")
CFONB_ACCOUNT = "300040012300012345678"
IBAN_D66 = "FR7630006000011234567890189"
IBAN_DURAND = "FR7610278022040002042760330"
IBAN_MAS = "FR1420041010050500013M02606"
IBAN_ROIG = "FR7630003012340005000123471"
CREATED = dt.datetime(2025, 5, 2, 6, 30)
LONG_REMITTANCE = (
    "REGLEMENT FACTURES F2025-000130 F2025-000131 F2025-000132 F2025-000133 F2025-000134 F2025-000135 "
    "F2025-000136 F2025-000137 F2025-000138 F2025-000139 ETAT MENSUEL JANVIER 2025 FOYER LES ALBERES"
)


def day(month: int, d: int) -> dt.date:
    return dt.date(2025, month, d)


FEE = Movement(day(3, 31), Decimal("-7.50"), "FRAIS BANCAIRES")
MARCH = StatementData(
    IBAN,
    "BNPAFRPP",
    "ASSOCIATION LES ALBERES",
    "EUR",
    41,
    day(3, 1),
    day(3, 31),
    Decimal("-150.25"),
    (
        Movement(
            day(3, 3),
            Decimal("1520.40"),
            "VIR SEPA RECU",
            "FACTURE F2025-000123 FEVRIER 2025",
            "VIR0303A",
            "DEPARTEMENT DES PYRENEES-ORIENTALES",
            IBAN_D66,
            "D66-2025-0312",
            value_date=day(3, 4),
        ),
        Movement(
            day(3, 5),
            Decimal("780.23"),
            "PRLV SEPA",
            bank_ref="PRLV0305",
            batch=(
                Movement(day(3, 5), Decimal("456.78"), "", "F2025-000101", "", "DURAND Léa", IBAN_DURAND, "U1-2502"),
                Movement(day(3, 5), Decimal("123.45"), "", "F2025-000102", "", "MAS Pere", IBAN_MAS, "U2-2502"),
                Movement(day(3, 5), Decimal("200.00"), "", "F2025-000103", "", "ROIG Núria", IBAN_ROIG, "U3-2502"),
            ),
        ),
        Movement(
            day(3, 10),
            Decimal("3870.00"),
            "VIR SEPA RECU",
            LONG_REMITTANCE,
            debtor_name="CPAM DES PYRENEES ORIENTALES",
            end_to_end_id="CPAM66-VIR-889",
        ),
        Movement(
            day(3, 12),
            Decimal("-456.78"),
            "IMPAYE PRLV",
            "F2025-000101",
            debtor_name="DURAND Léa",
            debtor_iban=IBAN_DURAND,
            end_to_end_id="U1-2502",
            reversal=True,
            return_reason="AM04",
        ),
        Movement(
            day(3, 20),
            Decimal("250.00"),
            "REMISE CHEQUES",
            bank_ref="CHQ0320",
            batch=(
                Movement(day(3, 20), Decimal("100.00"), "", "F2025-000140", debtor_name="MARTIN Paul"),
                Movement(day(3, 20), Decimal("150.00"), "", "F2025-000141", debtor_name="ROIG Núria"),
            ),
        ),
        FEE,
        FEE,
        Movement(day(3, 31), Decimal("-20.00"), "COMMISSION INTERVENTION"),
    ),
)
APRIL_1 = StatementData(
    IBAN, "BNPAFRPP", "ASSOCIATION LES ALBERES", "EUR", 42, day(4, 1), day(4, 1), Decimal("5778.60"), ()
)
APRIL = StatementData(
    IBAN,
    "BNPAFRPP",
    "ASSOCIATION LES ALBERES",
    "EUR",
    43,
    day(4, 2),
    day(4, 30),
    Decimal("5778.60"),
    (
        Movement(
            day(4, 15), Decimal("2000.00"), "VIR SEPA RECU", "F2025-000150", "VIR0415", "ASSOCIATION TUTELAIRE 66"
        ),
        Movement(day(4, 20), Decimal("-350.10"), "VIR SEPA EMIS", "REMBOURSEMENT TROP PERCU F2025-000099", "VIR0420E"),
    ),
)
STATEMENTS = [MARCH, APRIL_1, APRIL]


def flat(statement: StatementData) -> list[Movement]:
    return [item for m in statement.movements for item in (m.batch or (m,))]


# ------------------------------------------------------------------------------------------------- camt


def test_camt_is_valid_against_the_official_schema():
    if not XSD.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{XSD} is missing")
        pytest.skip("../shared/samples is not beside this checkout")
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    document = etree.fromstring(camt053(STATEMENTS, CREATED, "DEMO-2025-04"))
    assert schema.validate(document), schema.error_log
    # a file with a fault the schema sees is refused, so the check above is not vacuous
    broken = etree.fromstring(camt053(STATEMENTS, CREATED, "DEMO-2025-04"))
    broken.find(".//{*}Bal/{*}CdtDbtInd").text = "CREDIT"
    assert not schema.validate(broken)


def test_camt_reads_back_as_the_statements_written():
    parsed = parse_camt(camt053(STATEMENTS, CREATED, "DEMO-2025-04"), "releve.xml")
    assert [
        (s.account, s.currency, s.opening_date, s.opening_balance, s.closing_date, s.closing_balance) for s in parsed
    ] == [
        (IBAN, "EUR", day(3, 1), Decimal("-150.25"), day(3, 31), Decimal("5778.60")),
        (IBAN, "EUR", day(4, 1), Decimal("5778.60"), day(4, 1), Decimal("5778.60")),
        (IBAN, "EUR", day(4, 2), Decimal("5778.60"), day(4, 30), Decimal("7428.50")),
    ]
    assert [s.closing_balance for s in STATEMENTS] == [Decimal("5778.60"), Decimal("5778.60"), Decimal("7428.50")]
    march = parsed[0].lines
    assert [
        (
            line.booking_date,
            line.value_date,
            line.amount,
            line.label,
            line.debtor_name,
            line.debtor_iban,
            line.end_to_end_id,
            line.reversal,
            line.reject_code,
            line.interbank_code,
        )
        for line in march
    ] == [
        (day(3, 3), day(3, 4), Decimal("1520.40"), "VIR SEPA RECU", "DEPARTEMENT DES PYRENEES-ORIENTALES", IBAN_D66,
         "D66-2025-0312", False, "", "ESCT"),
        (day(3, 5), day(3, 5), Decimal("456.78"), "PRLV SEPA", "DURAND Léa", IBAN_DURAND, "U1-2502", False, "", "ESDD"),
        (day(3, 5), day(3, 5), Decimal("123.45"), "PRLV SEPA", "MAS Pere", IBAN_MAS, "U2-2502", False, "", "ESDD"),
        (day(3, 5), day(3, 5), Decimal("200.00"), "PRLV SEPA", "ROIG Núria", IBAN_ROIG, "U3-2502", False, "", "ESDD"),
        (day(3, 10), day(3, 10), Decimal("3870.00"), "VIR SEPA RECU", "CPAM DES PYRENEES ORIENTALES", "",
         "CPAM66-VIR-889", False, "", "ESCT"),
        (day(3, 12), day(3, 12), Decimal("-456.78"), "IMPAYE PRLV", "DURAND Léa", IBAN_DURAND, "U1-2502", True, "AM04",
         "UPDD"),
        (day(3, 20), day(3, 20), Decimal("100.00"), "REMISE CHEQUES", "MARTIN Paul", "", "", False, "", "CCHQ"),
        (day(3, 20), day(3, 20), Decimal("150.00"), "REMISE CHEQUES", "ROIG Núria", "", "", False, "", "CCHQ"),
        (day(3, 31), day(3, 31), Decimal("-7.50"), "FRAIS BANCAIRES", "", "", "", False, "", "CHRG"),
        (day(3, 31), day(3, 31), Decimal("-7.50"), "FRAIS BANCAIRES", "", "", "", False, "", "CHRG"),
        (day(3, 31), day(3, 31), Decimal("-20.00"), "COMMISSION INTERVENTION", "", "", "", False, "", "CHRG"),
    ]  # fmt: skip
    for line, movement in zip(march, flat(MARCH), strict=True):
        assert movement.remittance[:140] in line.text
    assert LONG_REMITTANCE[:140] == march[4].reference  # Ustrd is cut to 140 characters
    assert [(line.amount, line.text) for line in parsed[2].lines] == [
        (Decimal("2000.00"), "VIR SEPA RECU F2025-000150"),
        (Decimal("-350.10"), "VIR SEPA EMIS REMBOURSEMENT TROP PERCU F2025-000099"),
    ]
    assert parsed[1].lines == []
    assert unbalanced(parsed, "releve.xml") == []
    assert chain_breaks([("releve.xml", s) for s in parsed]) == []


def test_camt_line_ids_are_the_bank_references_unique_and_stable():
    ids = [line.line_id for s in parse_camt(camt053(STATEMENTS, CREATED, "M1")) for line in s.lines]
    again = [line.line_id for s in parse_camt(camt053(STATEMENTS, CREATED, "M1")) for line in s.lines]
    assert ids == again
    assert len(set(ids)) == len(ids) == 13
    assert ids[:8] + ids[11:] == [
        "CAMT-VIR0303A",
        "CAMT-PRLV0305-1",  # a batch: the entry's reference and the rank of the transaction
        "CAMT-PRLV0305-2",
        "CAMT-PRLV0305-3",
        "CAMT-E2E-CPAM66-VIR-889-20250310-3870.00",  # no bank reference: end-to-end id, date, amount
        "CAMT-E2E-U1-2502-20250312--456.78",
        "CAMT-CHQ0320-1",
        "CAMT-CHQ0320-2",
        "CAMT-VIR0415",
        "CAMT-VIR0420E",
    ]
    fee_1, fee_2, commission = ids[8:11]  # nothing to go by: a hash of the line, ranked among identical ones
    assert fee_1[:-2] == fee_2[:-2] and (fee_1[-2:], fee_2[-2:]) == ("-1", "-2")
    assert commission.startswith("CAMT-") and commission.endswith("-1") and commission[:-2] != fee_1[:-2]


def test_a_statement_with_a_deposit_of_cheques_and_its_own_references_per_cheque():
    cheques = Movement(
        day(3, 20),
        Decimal("250.00"),
        "REMISE CHEQUES",
        batch=(
            Movement(day(3, 20), Decimal("100.00"), "", "F2025-000140", "CHQ-8812001"),
            Movement(day(3, 20), Decimal("150.00"), "", "F2025-000141", "CHQ-8812002"),
        ),
    )
    statement = StatementData(IBAN, "BNPAFRPP", "A", "EUR", 1, day(3, 1), day(3, 31), Decimal("0.00"), (cheques,))
    (parsed,) = parse_camt(camt053([statement], CREATED, "M2"))
    assert [(line.line_id, line.amount, line.reference) for line in parsed.lines] == [
        ("CAMT-CHQ-8812001-1", Decimal("100.00"), "F2025-000140"),
        ("CAMT-CHQ-8812002-2", Decimal("150.00"), "F2025-000141"),
    ]


# ------------------------------------------------------------------------------------------------- CFONB


def test_cfonb_reads_back_as_the_statements_written():
    data = cfonb120(STATEMENTS, *RIB)
    parsed = parse_cfonb120(data, "releve.cfo")
    assert [
        (s.account, s.currency, s.opening_date, s.opening_balance, s.closing_date, s.closing_balance) for s in parsed
    ] == [
        # the old balance is dated the day before the first day covered, as the format defines it
        (CFONB_ACCOUNT, "EUR", day(2, 28), Decimal("-150.25"), day(3, 31), Decimal("5778.60")),
        (CFONB_ACCOUNT, "EUR", day(3, 31), Decimal("5778.60"), day(4, 1), Decimal("5778.60")),
        (CFONB_ACCOUNT, "EUR", day(4, 1), Decimal("5778.60"), day(4, 30), Decimal("7428.50")),
    ]
    march = parsed[0].lines
    assert [
        (
            line.booking_date,
            line.value_date,
            line.amount,
            line.label,
            line.interbank_code,
            line.reject_code,
            line.entry_number,
            line.reference,
        )
        for line in march
    ] == [
        (day(3, 3), day(3, 4), Decimal("1520.40"), "VIR SEPA RECU", "05", "", "0000001", "VIR0303A"),
        (day(3, 5), day(3, 5), Decimal("780.23"), "PRLV SEPA", "A1", "", "0000002", "PRLV0305"),
        (day(3, 10), day(3, 10), Decimal("3870.00"), "VIR SEPA RECU", "05", "", "0000000", ""),
        (day(3, 12), day(3, 12), Decimal("-456.78"), "IMPAYE PRLV", "B3", "A1", "0000000", ""),
        (day(3, 20), day(3, 20), Decimal("250.00"), "REMISE CHEQUES", "02", "", "0000005", "CHQ0320"),
        (day(3, 31), day(3, 31), Decimal("-7.50"), "FRAIS BANCAIRES", "62", "", "0000000", ""),
        (day(3, 31), day(3, 31), Decimal("-7.50"), "FRAIS BANCAIRES", "62", "", "0000000", ""),
        (day(3, 31), day(3, 31), Decimal("-20.00"), "COMMISSION INTERVENTION", "62", "", "0000000", ""),
    ]
    assert [line.details for line in march[:4]] == [
        [
            ("LIB", "FACTURE F2025-000123 FEVRIER 2025"),
            ("NPY", "DEPARTEMENT DES PYRENEES-ORIENTALES"),
            ("RCN", "D66-2025-0312"),
        ],
        [],  # the transactions of a batch are not in CFONB 120: one movement of the total
        [
            ("LIB", "REGLEMENT FACTURES F2025-000130 F2025-000131 F2025-000132 F2025-000133"),
            ("LIB", "F2025-000134 F2025-000135 F2025-000136 F2025-000137 F2025-000138"),
            ("LIB", "F2025-000139 ETAT MENSUEL JANVIER 2025 FOYER LES ALBERES"),
            ("NPY", "CPAM DES PYRENEES ORIENTALES"),
            ("RCN", "CPAM66-VIR-889"),
        ],
        [("LIB", "F2025-000101"), ("NPY", "DURAND Léa"), ("RCN", "U1-2502"), ("LIB", "MOTIF AM04")],
    ]
    assert LONG_REMITTANCE in march[2].text  # the pieces are cut between words: the text reads back whole
    assert parsed[1].lines == []  # a day without movement: 01 and 07 only
    assert [(line.amount, line.interbank_code, line.text) for line in parsed[2].lines] == [
        (Decimal("2000.00"), "05", "VIR SEPA RECU VIR0415 F2025-000150 ASSOCIATION TUTELAIRE 66"),
        (Decimal("-350.10"), "06", "VIR SEPA EMIS VIR0420E REMBOURSEMENT TROP PERCU F2025-000099"),
    ]
    assert unbalanced(parsed, "releve.cfo") == []
    assert chain_breaks([("releve.cfo", s) for s in parsed]) == []
    records = data.decode("latin-1").split("\r\n")
    assert records[-1] == "" and {len(r) for r in records[:-1]} == {120}
    assert [r[:2] for r in records[:-1]].count("05") == 15


def test_cfonb_line_ids_are_unique_and_stable():
    ids = [line.line_id for s in parse_cfonb120(cfonb120(STATEMENTS, *RIB)) for line in s.lines]
    assert ids == [line.line_id for s in parse_cfonb120(cfonb120(STATEMENTS, *RIB)) for line in s.lines]
    assert len(set(ids)) == len(ids) == 10
    assert [ids[0], ids[1], ids[4], ids[8], ids[9]] == [
        f"CFONB-{CFONB_ACCOUNT}-20250303-0000001-VIR0303A",
        f"CFONB-{CFONB_ACCOUNT}-20250305-0000002-PRLV0305",
        f"CFONB-{CFONB_ACCOUNT}-20250320-0000005-CHQ0320",
        f"CFONB-{CFONB_ACCOUNT}-20250415-0000001-VIR0415",
        f"CFONB-{CFONB_ACCOUNT}-20250420-0000002-VIR0420E",
    ]
    fee_1, fee_2 = ids[5:7]
    assert fee_1.startswith("CFONB-") and fee_1[:-2] == fee_2[:-2] and (fee_1[-2:], fee_2[-2:]) == ("-1", "-2")


def test_cfonb_bytes_of_a_one_movement_statement():
    statement = StatementData(
        IBAN,
        "BNPAFRPP",
        "ASSOCIATION LES ALBERES",
        "EUR",
        7,
        day(3, 3),
        day(3, 3),
        Decimal("1000.00"),
        (
            Movement(
                day(3, 3),
                Decimal("-1234.56"),
                "IMPAYE PRLV",
                "F2025-000123",
                "IMP0303",
                "DURAND Léa",
                IBAN_DURAND,
                "U1-2502",
                reversal=True,
                return_reason="AM04",
                value_date=day(3, 4),
            ),
        ),
    )
    # fmt: off
    expected = [
        # 01: bank, reserved, branch, currency, decimals, reserved, account, reserved, date of the old balance,
        # reserved (50), amount (14, sign on the last character), reserved (16)
        "01" "30004" "    " "00123" "EUR" "2" " " "00012345678" "  " "020325" + " " * 50
        + "0000000010000{" + " " * 16,
        # 04: ..., internal operation code, ..., interbank operation code, booking date, reject code, value date,
        # label (31), reserved, entry number (7), two indices, amount (14), reference (16)
        "04" "30004" "00B3" "00123" "EUR" "2" " " "00012345678" "B3" "030325" "A1" "040325"
        "IMPAYE PRLV" + " " * 20 + "  " "0000001" "00" "0000000012345O" "IMP0303" + " " * 9,
        # 05: ..., interbank operation code, booking date, reserved, qualifier, text (70), reserved
        "05" "30004" "00B3" "00123" "EUR" "2" " " "00012345678" "B3" "030325" "     "
        "LIB" "F2025-000123" + " " * 58 + "  ",
        "05" "30004" "00B3" "00123" "EUR" "2" " " "00012345678" "B3" "030325" "     "
        "NPY" "DURAND Léa" + " " * 60 + "  ",
        "05" "30004" "00B3" "00123" "EUR" "2" " " "00012345678" "B3" "030325" "     "
        "RCN" "U1-2502" + " " * 63 + "  ",
        "05" "30004" "00B3" "00123" "EUR" "2" " " "00012345678" "B3" "030325" "     "
        "LIB" "MOTIF AM04" + " " * 60 + "  ",
        "07" "30004" "    " "00123" "EUR" "2" " " "00012345678" "  " "030325" + " " * 50
        + "0000000002345O" + " " * 16,
    ]
    # fmt: on
    assert [len(r) for r in expected] == [120] * 7
    data = cfonb120([statement], *RIB)
    assert data == "".join(f"{r}\r\n" for r in expected).encode("latin-1")
    assert b"DURAND L\xe9a" in data
    (parsed,) = parse_cfonb120(data)
    assert (parsed.closing_balance, parsed.lines[0].amount) == (Decimal("-234.56"), Decimal("-1234.56"))


@pytest.mark.parametrize(
    ("amount", "zone"),
    [
        (Decimal("0.00"), "0000000000000{"),
        (Decimal("1.01"), "0000000000010A"),
        (Decimal("19.99"), "0000000000199I"),
        (Decimal("-0.10"), "0000000000001}"),
        (Decimal("-3.21"), "0000000000032J"),
        (Decimal("-12345678901.29"), "0123456789012R"),
        (Decimal("999999999999.99"), "9999999999999I"),
    ],
)
def test_cfonb_amount_zone(amount, zone):
    statement = StatementData(IBAN, "X", "X", "EUR", 1, day(3, 3), day(3, 3), amount, ())
    first = cfonb120([statement], *RIB).decode("latin-1").split("\r\n")[0]
    assert first[90:104] == zone
    assert parse_cfonb120(cfonb120([statement], *RIB))[0].opening_balance == amount


def test_cfonb_text_is_latin1_without_control_characters():
    movement = Movement(day(3, 3), Decimal("5.00"), "VIR SEPA RECU", "L’ŒUVRE\tDU 1ER — 2€", debtor_name="MÜLLER Zoë")
    statement = StatementData(IBAN, "X", "X", "EUR", 1, day(3, 3), day(3, 3), Decimal("0.00"), (movement,))
    (parsed,) = parse_cfonb120(cfonb120([statement], *RIB))
    assert parsed.lines[0].details == [("LIB", "L'OEUVRE DU 1ER - 2EUR"), ("NPY", "MÜLLER Zoë")]


# ------------------------------------------------------------------------------------------------- both


def test_codes_follow_label_sign_and_reversal():
    def codes(label, amount, reversal=False):
        return tuple(bank_codes(Movement(day(3, 3), Decimal(amount), label, reversal=reversal)))

    assert codes("VIR SEPA RECU", "10.00") == ("PMNT", "RCDT", "ESCT", "05")
    assert codes("VIR SEPA EMIS", "-10.00") == ("PMNT", "ICDT", "ESCT", "06")
    assert codes("PRLV SEPA", "10.00") == ("PMNT", "IDDT", "ESDD", "A1")
    assert codes("PRLV SEPA EDF", "-10.00") == ("PMNT", "RDDT", "ESDD", "B1")
    assert codes("IMPAYE PRLV", "-10.00", True) == ("PMNT", "IDDT", "UPDD", "B3")
    assert codes("REMISE CHEQUES", "10.00") == ("PMNT", "RCHQ", "CCHQ", "02")
    assert codes("CHEQUE 1234567", "-10.00") == ("PMNT", "ICHQ", "CCHQ", "01")
    assert codes("CHQ IMPAYE", "-10.00", True) == ("PMNT", "RCHQ", "UPCQ", "03")
    assert codes("RETOUR VIR", "10.00", True) == ("PMNT", "ICDT", "RRTN", "12")
    assert codes("FRAIS BANCAIRES", "-10.00") == ("ACMT", "MDOP", "CHRG", "62")
    assert codes("Prélèvement", "-1") == BankCodes("PMNT", "RDDT", "ESDD", "B1")


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        (StatementData(IBAN, "X", "X", "EUR", 1, day(3, 1), day(3, 2), Decimal("0.001"), ()), "deux décimales"),
        (
            StatementData(
                IBAN, "X", "X", "EUR", 1, day(3, 1), day(3, 2), Decimal("0"), (Movement(day(3, 3), Decimal("1"), "V"),)
            ),
            "hors de la période",
        ),
        (
            StatementData(
                IBAN,
                "X",
                "X",
                "EUR",
                1,
                day(3, 1),
                day(3, 2),
                Decimal("0"),
                (Movement(day(3, 1), Decimal("3"), "PRLV", batch=(Movement(day(3, 1), Decimal("2"), ""),)),),
            ),
            "somme",
        ),
        (
            StatementData(
                IBAN,
                "X",
                "X",
                "EUR",
                1,
                day(3, 1),
                day(3, 2),
                Decimal("0"),
                (Movement(day(3, 1), Decimal("1"), "V", bank_ref="R" * 17),),
            ),
            "16 caractères",
        ),
    ],
)
def test_statements_that_cannot_be_written_are_refused(statement, message):
    with pytest.raises(ValueError, match=message):
        cfonb120([statement], *RIB)


def test_camt_refuses_a_reference_longer_than_35():
    movement = Movement(day(3, 1), Decimal("1"), "V", end_to_end_id="E" * 36)
    statement = StatementData(IBAN, "X", "X", "EUR", 1, day(3, 1), day(3, 2), Decimal("0"), (movement,))
    with pytest.raises(ValueError, match="EndToEndId"):
        camt053([statement], CREATED, "M")


def test_rib_and_iban():
    assert rib_from_iban(IBAN) == ("30004", "00123", "00012345678", "43")
    assert rib_from_iban("FR76 3000 6000 0112 3456 7890 189") == ("30006", "00001", "12345678901", "89")
    assert french_iban(*RIB) == IBAN
    assert french_iban("20041", "01005", "0500013M026") == IBAN_MAS
    assert [rib_from_iban(i)[3] for i in (IBAN_DURAND, IBAN_MAS, IBAN_ROIG)] == ["30", "06", "71"]
    with pytest.raises(ValueError, match="clé de contrôle IBAN"):
        rib_from_iban("FR7730004001230001234567843")
    with pytest.raises(ValueError, match="pas un IBAN français"):
        rib_from_iban("DE89370400440532013000")
