"""The SEPA files: what a direct-debit (pain.008) and a credit-transfer (pain.001) file holds, read back with
lxml; the same bytes for the same inputs; valid against the ISO 20022 XSDs (the shared samples' copy and the
one sepaxml ships); the checks that refuse what a bank would reject."""

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from assets.payments import sepa
from assets.payments.sepa import (
    Collection,
    Creditor,
    Debtor,
    Transfer,
    credit_transfers,
    direct_debits,
    ics_is_valid,
    schema_path,
    sepa_text,
    xsd_errors,
)

SCHEMAS = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "schemas" / "iso20022"
CREATED = dt.datetime(2025, 1, 31, 9, 30, 15, 123456)
FR_IBAN = "FR7630006000011234567890189"
FR_IBAN_SPACED = "FR76 3000 6000 0112 3456 7890 189"
DE_IBAN = "DE89370400440532013000"
DUE = dt.date(2025, 2, 5)

CREDITOR = Creditor(name="Association Les Érables", iban=FR_IBAN, bic="AGRIFRPP", ics="FR72ZZZ123456")
DEBTOR = Debtor(name="Association Les Érables", iban=FR_IBAN, bic="AGRIFRPPXXX")


def collection(e2e: str, amount: str, sequence: str = "RCUR", **changes) -> Collection:
    values = {
        "end_to_end_id": e2e,
        "amount": Decimal(amount),
        "mandate_id": f"RUM-{e2e}",
        "mandate_date": dt.date(2024, 3, 1),
        "sequence": sequence,
        "debtor_name": "Mme Hélène Dœuf",
        "debtor_iban": FR_IBAN,
        "debtor_bic": "",
        "remittance": f"Facture {e2e}",
        "collection_date": DUE,
    }
    return Collection(**{**values, **changes})


def transfer(e2e: str, amount: str, **changes) -> Transfer:
    values = {
        "end_to_end_id": e2e,
        "amount": Decimal(amount),
        "creditor_name": "M. François Ñúñez",
        "creditor_iban": DE_IBAN,
        "creditor_bic": "COBADEFFXXX",
        "remittance": f"Remboursement {e2e}",
        "execution_date": dt.date(2025, 2, 3),
    }
    return Transfer(**{**values, **changes})


COLLECTIONS = [
    collection("F2025-000123", "123.45", "RCUR"),
    collection(
        "F2025-000124",
        "0.10",
        "FRST",
        mandate_id="RUM-2025-0007",
        mandate_date=dt.date(2025, 1, 20),
        debtor_name="M. François Çà & Fils",
        debtor_iban=DE_IBAN,
        debtor_bic="COBADEFFXXX",
        remittance="Facture F2025-000124 – séjour de janvier",
    ),
    collection("F2025-000125", "0.20", "RCUR", debtor_iban=FR_IBAN_SPACED),
    collection("F2025-000126", "1000", "FRST", mandate_date=dt.date(2025, 1, 21)),
]


def read(xml: bytes) -> tuple[etree._Element, dict[str, str]]:
    root = etree.fromstring(xml)
    return root, {"p": etree.QName(root).namespace}


def texts(node: etree._Element, path: str, ns: dict[str, str]) -> list[str]:
    return [found.text for found in node.findall(path, ns)]


def shared_schema(name: str) -> etree.XMLSchema:
    """The shared samples' copy of an ISO 20022 XSD; CI always has them (a missing copy there is a failure)."""
    if not SCHEMAS.is_dir() and not os.environ.get("CI"):
        pytest.skip("../shared/samples is not beside this checkout")
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


# --- pain.008: direct debits ----------------------------------------------------------------------------------


def test_direct_debits_hold_one_block_per_sequence_with_exact_counts_and_sums():
    root, ns = read(direct_debits(CREDITOR, COLLECTIONS, "PRLV-2025-02", CREATED))
    assert ns["p"] == "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"
    header = root.find("p:CstmrDrctDbtInitn/p:GrpHdr", ns)
    assert texts(header, "p:MsgId", ns) == ["PRLV-2025-02"]
    assert texts(header, "p:CreDtTm", ns) == ["2025-01-31T09:30:15"]
    assert texts(header, "p:NbOfTxs", ns) == ["4"]
    assert texts(header, "p:CtrlSum", ns) == ["1123.75"]
    assert texts(header, "p:InitgPty/p:Nm", ns) == ["Association Les Erables"]
    assert texts(header, "p:InitgPty/p:Id/p:OrgId/p:Othr/p:Id", ns) == ["FR72ZZZ123456"]

    frst, rcur = root.findall("p:CstmrDrctDbtInitn/p:PmtInf", ns)
    for block, rank, sequence, count, total in ((frst, 1, "FRST", "2", "1000.10"), (rcur, 2, "RCUR", "2", "123.65")):
        assert texts(block, "p:PmtInfId", ns) == [f"PRLV-2025-02-{rank}"]
        assert texts(block, "p:PmtMtd", ns) == ["DD"]
        assert texts(block, "p:NbOfTxs", ns) == [count]
        assert texts(block, "p:CtrlSum", ns) == [total]
        assert texts(block, "p:PmtTpInf/p:SvcLvl/p:Cd", ns) == ["SEPA"]
        assert texts(block, "p:PmtTpInf/p:LclInstrm/p:Cd", ns) == ["CORE"]
        assert texts(block, "p:PmtTpInf/p:SeqTp", ns) == [sequence]
        assert texts(block, "p:ReqdColltnDt", ns) == ["2025-02-05"]
        assert texts(block, "p:Cdtr/p:Nm", ns) == ["Association Les Erables"]
        assert texts(block, "p:CdtrAcct/p:Id/p:IBAN", ns) == [FR_IBAN]
        assert texts(block, "p:CdtrAgt/p:FinInstnId/p:BIC", ns) == ["AGRIFRPP"]
        assert texts(block, "p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id", ns) == ["FR72ZZZ123456"]
        assert texts(block, "p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:SchmeNm/p:Prtry", ns) == ["SEPA"]

    tx = "p:DrctDbtTxInf/"
    assert texts(frst, tx + "p:PmtId/p:EndToEndId", ns) == ["F2025-000124", "F2025-000126"]
    assert texts(frst, tx + "p:InstdAmt", ns) == ["0.10", "1000.00"]
    assert [a.get("Ccy") for a in frst.findall(tx + "p:InstdAmt", ns)] == ["EUR", "EUR"]
    assert texts(frst, tx + "p:DrctDbtTx/p:MndtRltdInf/p:MndtId", ns) == ["RUM-2025-0007", "RUM-F2025-000126"]
    assert texts(frst, tx + "p:DrctDbtTx/p:MndtRltdInf/p:DtOfSgntr", ns) == ["2025-01-20", "2025-01-21"]
    assert texts(frst, tx + "p:Dbtr/p:Nm", ns) == ["M. Francois Ca Fils", "Mme Helene Doeuf"]
    assert texts(frst, tx + "p:DbtrAcct/p:Id/p:IBAN", ns) == [DE_IBAN, FR_IBAN]
    assert texts(frst, tx + "p:RmtInf/p:Ustrd", ns) == [
        "Facture F2025-000124 - sejour de janvier",
        "Facture F2025-000126",
    ]
    # a known BIC is written, an unknown one is NOTPROVIDED (IBAN-only)
    assert texts(frst, tx + "p:DbtrAgt/p:FinInstnId/p:BIC", ns) == ["COBADEFFXXX"]
    assert texts(frst, tx + "p:DbtrAgt/p:FinInstnId/p:Othr/p:Id", ns) == ["NOTPROVIDED"]

    assert texts(rcur, tx + "p:PmtId/p:EndToEndId", ns) == ["F2025-000123", "F2025-000125"]
    assert texts(rcur, tx + "p:InstdAmt", ns) == ["123.45", "0.20"]
    assert texts(rcur, tx + "p:DrctDbtTx/p:MndtRltdInf/p:MndtId", ns) == ["RUM-F2025-000123", "RUM-F2025-000125"]
    assert texts(rcur, tx + "p:DrctDbtTx/p:MndtRltdInf/p:DtOfSgntr", ns) == ["2024-03-01", "2024-03-01"]
    assert texts(rcur, tx + "p:DbtrAcct/p:Id/p:IBAN", ns) == [FR_IBAN, FR_IBAN]  # the spaced one compacted
    assert texts(rcur, tx + "p:DbtrAgt/p:FinInstnId/p:Othr/p:Id", ns) == ["NOTPROVIDED", "NOTPROVIDED"]


def test_blocks_come_by_date_then_sequence_whatever_the_order_given():
    later = dt.date(2025, 3, 5)
    given = [
        collection("F2025-000201", "5.00", "RCUR", collection_date=later),
        collection("F2025-000202", "6.00", "RCUR"),
        collection("F2025-000203", "7.00", "FRST", collection_date=later),
        collection("F2025-000204", "8.00", "FRST"),
        collection("F2025-000205", "9.00", "RCUR"),
    ]
    root, ns = read(direct_debits(CREDITOR, given, "PRLV-2025-03", CREATED))
    blocks = root.findall("p:CstmrDrctDbtInitn/p:PmtInf", ns)
    assert [(texts(b, "p:ReqdColltnDt", ns)[0], texts(b, "p:PmtTpInf/p:SeqTp", ns)[0]) for b in blocks] == [
        ("2025-02-05", "FRST"),
        ("2025-02-05", "RCUR"),
        ("2025-03-05", "FRST"),
        ("2025-03-05", "RCUR"),
    ]
    assert [texts(b, "p:DrctDbtTxInf/p:PmtId/p:EndToEndId", ns) for b in blocks] == [
        ["F2025-000204"],
        ["F2025-000202", "F2025-000205"],  # the caller's order within a block
        ["F2025-000203"],
        ["F2025-000201"],
    ]
    assert [texts(b, "p:CtrlSum", ns)[0] for b in blocks] == ["8.00", "15.00", "7.00", "5.00"]
    assert [texts(b, "p:PmtInfId", ns)[0] for b in blocks] == [f"PRLV-2025-03-{i}" for i in range(1, 5)]
    assert texts(root, "p:CstmrDrctDbtInitn/p:GrpHdr/p:CtrlSum", ns) == ["35.00"]


def test_the_same_inputs_give_the_same_bytes():
    first = direct_debits(CREDITOR, COLLECTIONS, "PRLV-2025-02", CREATED)
    assert direct_debits(CREDITOR, list(COLLECTIONS), "PRLV-2025-02", CREATED) == first
    refunds = [transfer("RBT-2025-0001", "50.00"), transfer("RBT-2025-0002", "12.34", creditor_bic="")]
    assert credit_transfers(DEBTOR, refunds, "VIR-2025-02", CREATED) == credit_transfers(
        DEBTOR, list(refunds), "VIR-2025-02", CREATED
    )
    assert direct_debits(CREDITOR, COLLECTIONS, "PRLV-2025-02B", CREATED) != first


def test_a_long_message_id_still_gives_distinct_block_ids_within_35_characters():
    message_id = "RECETTES-PRELEVEMENTS-2025-02-00001"  # 35 characters: no room for a rank
    given = [collection("F2025-000301", "1.00", "FRST"), collection("F2025-000302", "2.00", "RCUR")]
    root, ns = read(direct_debits(CREDITOR, given, message_id, CREATED))
    ids = texts(root, "p:CstmrDrctDbtInitn/p:PmtInf/p:PmtInfId", ns)
    assert texts(root, "p:CstmrDrctDbtInitn/p:GrpHdr/p:MsgId", ns) == [message_id]
    assert len(set(ids)) == 2 and all(len(i) <= 35 for i in ids)
    assert [i[-2:] for i in ids] == ["-1", "-2"]


def test_direct_debits_are_valid_against_the_shared_and_the_library_xsds():
    xml = direct_debits(CREDITOR, COLLECTIONS, "PRLV-2025-02", CREATED)
    assert xsd_errors(xml) == []
    library = schema_path("pain.008.001.02")
    assert library is not None and Path(library).parent.parent.name == "sepaxml"
    assert etree.XMLSchema(etree.parse(library)).validate(etree.fromstring(xml))
    shared = shared_schema("pain.008.001.02.xsd")
    assert shared.validate(etree.fromstring(xml)), shared.error_log


def test_the_2019_messages_are_one_constant_away(monkeypatch):
    """pain.008.001.08 and pain.001.001.09, which the EPC 2023 rulebooks brought, come out valid too."""
    monkeypatch.setattr(sepa, "DIRECT_DEBIT_VERSION", "pain.008.001.08")
    monkeypatch.setattr(sepa, "CREDIT_TRANSFER_VERSION", "pain.001.001.09")
    xml = direct_debits(CREDITOR, COLLECTIONS, "PRLV-2025-02", CREATED)
    root, ns = read(xml)
    assert ns["p"] == "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"
    assert texts(root, "p:CstmrDrctDbtInitn/p:GrpHdr/p:CtrlSum", ns) == ["1123.75"]
    assert xsd_errors(xml) == []
    shared = shared_schema("pain.008.001.08.xsd")
    assert shared.validate(etree.fromstring(xml)), shared.error_log
    refunds = credit_transfers(DEBTOR, [transfer("RBT-2025-0001", "50.00")], "VIR-2025-02", CREATED)
    assert read(refunds)[1]["p"] == "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
    assert xsd_errors(refunds) == []


# --- pain.001: refunds by credit transfer ---------------------------------------------------------------------


def test_credit_transfers_hold_one_block_per_execution_date_with_exact_sums():
    later = dt.date(2025, 2, 10)
    refunds = [
        transfer("RBT-2025-0003", "0.10", execution_date=later),
        transfer("RBT-2025-0001", "50.00"),
        transfer("RBT-2025-0002", "0.20", execution_date=later, creditor_bic="", creditor_iban=FR_IBAN_SPACED),
    ]
    xml = credit_transfers(DEBTOR, refunds, "VIR-2025-02", CREATED)
    root, ns = read(xml)
    assert ns["p"] == "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", ns)
    assert texts(header, "p:MsgId", ns) == ["VIR-2025-02"]
    assert texts(header, "p:CreDtTm", ns) == ["2025-01-31T09:30:15"]
    assert texts(header, "p:NbOfTxs", ns) == ["3"]
    assert texts(header, "p:CtrlSum", ns) == ["50.30"]
    assert texts(header, "p:InitgPty/p:Nm", ns) == ["Association Les Erables"]

    first, second = root.findall("p:CstmrCdtTrfInitn/p:PmtInf", ns)
    assert texts(first, "p:PmtInfId", ns) == ["VIR-2025-02-1"]
    assert texts(second, "p:PmtInfId", ns) == ["VIR-2025-02-2"]
    for block in (first, second):
        assert texts(block, "p:PmtMtd", ns) == ["TRF"]
        assert texts(block, "p:PmtTpInf/p:SvcLvl/p:Cd", ns) == ["SEPA"]
        assert texts(block, "p:Dbtr/p:Nm", ns) == ["Association Les Erables"]
        assert texts(block, "p:DbtrAcct/p:Id/p:IBAN", ns) == [FR_IBAN]
        assert texts(block, "p:DbtrAgt/p:FinInstnId/p:BIC", ns) == ["AGRIFRPPXXX"]
        assert texts(block, "p:ChrgBr", ns) == ["SLEV"]
    assert texts(first, "p:ReqdExctnDt", ns) == ["2025-02-03"]
    assert texts(first, "p:NbOfTxs", ns) == ["1"]
    assert texts(first, "p:CtrlSum", ns) == ["50.00"]
    assert texts(second, "p:ReqdExctnDt", ns) == ["2025-02-10"]
    assert texts(second, "p:NbOfTxs", ns) == ["2"]
    assert texts(second, "p:CtrlSum", ns) == ["0.30"]

    tx = "p:CdtTrfTxInf/"
    assert texts(second, tx + "p:PmtId/p:EndToEndId", ns) == ["RBT-2025-0003", "RBT-2025-0002"]
    assert texts(second, tx + "p:Amt/p:InstdAmt", ns) == ["0.10", "0.20"]
    assert texts(second, tx + "p:Cdtr/p:Nm", ns) == ["M. Francois Nunez", "M. Francois Nunez"]
    assert texts(second, tx + "p:CdtrAcct/p:Id/p:IBAN", ns) == [DE_IBAN, FR_IBAN]
    assert texts(second, tx + "p:RmtInf/p:Ustrd", ns) == ["Remboursement RBT-2025-0003", "Remboursement RBT-2025-0002"]
    # the creditor agent only where the BIC is known
    assert [len(t.findall("p:CdtrAgt", ns)) for t in second.findall("p:CdtTrfTxInf", ns)] == [1, 0]
    assert texts(second, tx + "p:CdtrAgt/p:FinInstnId/p:BIC", ns) == ["COBADEFFXXX"]
    assert texts(first, tx + "p:PmtId/p:EndToEndId", ns) == ["RBT-2025-0001"]

    assert xsd_errors(xml) == []
    library = schema_path("pain.001.001.03")
    assert library is not None
    assert etree.XMLSchema(etree.parse(library)).validate(etree.fromstring(xml))


# --- the validator --------------------------------------------------------------------------------------------


def test_a_broken_document_gives_xsd_errors():
    root, ns = read(direct_debits(CREDITOR, COLLECTIONS, "PRLV-2025-02", CREATED))
    root.find(".//p:DrctDbtTxInf/p:InstdAmt", ns).text = "12,50"
    header = root.find("p:CstmrDrctDbtInitn/p:GrpHdr", ns)
    header.remove(header.find("p:MsgId", ns))
    errors = xsd_errors(etree.tostring(root))
    assert len(errors) == 2
    assert any("InstdAmt" in e for e in errors) and any("MsgId" in e for e in errors)
    assert all(e.startswith("ligne ") for e in errors)

    refunds = credit_transfers(DEBTOR, [transfer("RBT-2025-0001", "50.00")], "VIR-2025-02", CREATED)
    assert xsd_errors(refunds.replace(b"<PmtMtd>TRF</PmtMtd>", b"<PmtMtd>XXX</PmtMtd>")) != []


def test_a_document_without_a_known_schema_is_one_error():
    assert xsd_errors(b"<Document") != [] and xsd_errors(b"<Document")[0].startswith("XML illisible")
    unknown = b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.99"/>'
    assert xsd_errors(unknown) == [
        "espace de noms sans schéma connu : 'urn:iso:std:iso:20022:tech:xsd:pain.008.001.99'"
    ]
    assert len(xsd_errors(b"<Document/>")) == 1


# --- what a bank would reject ---------------------------------------------------------------------------------


def test_a_bad_iban_raises_naming_the_end_to_end_id():
    bad = "FR7630006000011234567890188"  # wrong check digits
    with pytest.raises(ValueError, match=r"F2025-000999 : IBAN du débiteur invalide"):
        direct_debits(CREDITOR, [*COLLECTIONS, collection("F2025-000999", "1.00", debtor_iban=bad)], "P-1", CREATED)
    with pytest.raises(ValueError, match=r"RBT-2025-0999 : IBAN du bénéficiaire invalide"):
        credit_transfers(
            DEBTOR, [transfer("RBT-2025-0999", "1.00", creditor_iban="DE8937040044053201300")], "V", CREATED
        )
    with pytest.raises(ValueError, match=r"IBAN du créancier invalide"):
        direct_debits(Creditor("Asso", bad, "AGRIFRPP", "FR72ZZZ123456"), COLLECTIONS, "P-1", CREATED)
    with pytest.raises(ValueError, match=r"IBAN du débiteur invalide"):
        credit_transfers(Debtor("Asso", "", "AGRIFRPP"), [transfer("RBT-2025-0001", "1.00")], "V", CREATED)


def test_other_bad_values_raise_naming_the_end_to_end_id():
    cases = [
        (collection("F2025-000901", "1.005"), "F2025-000901 : montant"),  # never rounded
        (collection("F2025-000902", "0"), "F2025-000902 : montant"),
        (collection("F2025-000903", "-5.00"), "F2025-000903 : montant"),
        (collection("F2025-000904", "1.00", "FIRST"), "F2025-000904 : type de séquence"),
        (collection("F2025-000905", "1.00", debtor_bic="NOTABIC"), "F2025-000905 : BIC du débiteur"),
        (collection("F2025-000906", "1.00", mandate_id="RUM/"), "F2025-000906 : référence unique du mandat"),
        (collection("F2025-000907", "1.00", mandate_date=dt.date(2025, 3, 1)), "F2025-000907 : mandat signé"),
        (collection("F2025-000908", "1.00", debtor_name="ƒ†‡"), "F2025-000908 : nom du débiteur vide"),
        (collection("F2025/00909", "1.00", mandate_id="R" * 36), "F2025/00909 : référence unique du mandat"),
        (collection("F2025-000910", "1.00", collection_date=dt.datetime(2025, 2, 5)), "F2025-000910 : date"),
    ]
    for bad, message in cases:
        with pytest.raises(ValueError, match=message):
            direct_debits(CREDITOR, [bad], "P-1", CREATED)
    with pytest.raises(ValueError, match="référence de bout en bout invalide"):
        direct_debits(CREDITOR, [collection("F2025//000911", "1.00")], "P-1", CREATED)
    with pytest.raises(ValueError, match="F2025-000123 : référence de bout en bout en double"):
        direct_debits(CREDITOR, [*COLLECTIONS, COLLECTIONS[0]], "P-1", CREATED)
    with pytest.raises(ValueError, match="identifiant du message invalide"):
        direct_debits(CREDITOR, COLLECTIONS, "M" * 36, CREATED)
    with pytest.raises(ValueError, match="identifiant créancier SEPA invalide"):
        direct_debits(Creditor("Asso", FR_IBAN, "AGRIFRPP", "FR73ZZZ123456"), COLLECTIONS, "P-1", CREATED)
    with pytest.raises(ValueError, match="RBT-2025-0901 : montant"):
        credit_transfers(DEBTOR, [transfer("RBT-2025-0901", "1000000000.00")], "V", CREATED)


def test_an_empty_list_makes_no_file():
    with pytest.raises(ValueError, match="aucun prélèvement"):
        direct_debits(CREDITOR, [], "P-1", CREATED)
    with pytest.raises(ValueError, match="aucun virement"):
        credit_transfers(DEBTOR, [], "V-1", CREATED)


def test_the_creditor_identifier_check_digits():
    assert ics_is_valid("FR72ZZZ123456")
    assert ics_is_valid("fr72zzz123456")
    assert ics_is_valid("FR72ABC123456")  # the business code is not part of the check
    assert ics_is_valid("DE98ZZZ09999999999")  # the Bundesbank's test creditor
    assert not ics_is_valid("FR73ZZZ123456")
    assert not ics_is_valid("FR72ZZZ123457")
    assert not ics_is_valid("FR72ZZZ")
    assert not ics_is_valid("")
    assert not ics_is_valid("FR72ZZZ12345-")


def test_names_and_texts_are_brought_to_the_sepa_character_set():
    assert sepa_text("Œuvre d’Hélène & Fils — N° 12 «Les Tilleuls» ; ÇA_VA", 140) == (
        "OEuvre d'Helene Fils - N 12 Les Tilleuls CA-VA"
    )
    assert sepa_text("  Zoë   Ångström\u00a0Straße  ", 70) == "Zoe Angstrom Strasse"
    assert sepa_text("Jean-Loup (père) : 12/03, +33 ? ok.", 70) == "Jean-Loup (pere) : 12/03, +33 ? ok."
    long = "É" * 80
    assert sepa_text(long, 70) == "E" * 70
    assert sepa_text("a" * 69 + " b", 70) == "a" * 69  # no trailing space once cut
    root, ns = read(direct_debits(CREDITOR, [collection("F2025-000401", "1.00", remittance="é" * 200)], "P", CREATED))
    assert texts(root, ".//p:RmtInf/p:Ustrd", ns) == ["e" * 140]
    root, ns = read(direct_debits(CREDITOR, [collection("F2025-000402", "1.00", remittance="«»")], "P", CREATED))
    assert texts(root, ".//p:RmtInf/p:Ustrd", ns) == ["F2025-000402"]  # nothing left: the invoice number
