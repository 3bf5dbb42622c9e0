"""camt.052/053/054 files written by others (../shared/samples/camt053) read by our parser."""

import os
from decimal import Decimal
from pathlib import Path

import pytest

from assets.payments.camt import CamtError, parse_camt

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "camt053"


def sample(name: str) -> bytes:
    if not SAMPLES.is_dir() and not os.environ.get("CI"):
        pytest.skip("../shared/samples is not beside this checkout")
    return (SAMPLES / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "statements", "lines", "balanced"),
    [
        ("genkgo_camt053.v2.multi.statement.xml", 2, 2, [True, True]),
        (
            "handelsbanken-via-darko-mijic_ISO20022_camt053_extended_SE_incoming_payments_incl_CB_example.xml",
            1,
            7,
            [True],
        ),
        ("handelsbanken-via-darko-mijic_camt_053_ver2_mixed_extended_account_statement.xml", 1, 5, [True]),
        ("kedder_camt053.001.08_CHF.xml", 1, 1, [True]),
        ("kedder_davider80_camt053.001.04_CHF.xml", 1, 16, [True]),
        ("oca_test-camt053.001.04-no-ntry.xml", 1, 0, [True]),
        ("oca_test-camt053.001.04-txdtls.xml", 1, 2, [True]),
        ("subite_camt053.001.08_2024-04-11.xml", 2, 15, [True, True]),
    ],
)
def test_statements_parse_and_their_balances_reconcile(name, statements, lines, balanced):
    parsed = parse_camt(sample(name), name)
    assert len(parsed) == statements
    assert sum(len(s.lines) for s in parsed) == lines
    assert [s.balanced for s in parsed] == balanced


def test_a_batch_entry_gives_one_line_per_transaction_with_its_debtor_and_reference():
    (statement,) = parse_camt(sample("oca_test-camt053.001.04-txdtls.xml"))
    assert [str(line.amount) for line in statement.lines] == ["2187.00", "1296.00"]  # the batch entry of 3483.00
    assert all(line.debtor_name for line in statement.lines)
    assert all(line.reference for line in statement.lines)
    assert len({line.line_id for line in statement.lines}) == 2


def test_a_single_transaction_takes_the_booked_entry_amount():
    (statement,) = parse_camt(sample("genkgo_camt053.v8.xml"))
    assert [str(line.amount) for line in statement.lines] == ["8.85"]  # its TxDtls says "0" SEK


def test_camt054_notification_and_stable_ids():
    data = sample("oca_test-camt054.001.04.xml")
    (notification,) = parse_camt(data)
    assert [str(line.amount) for line in notification.lines] == ["5.00"]
    assert [line.line_id for line in parse_camt(data)[0].lines] == [line.line_id for line in notification.lines]


def test_the_statement_without_stmt_is_rejected_with_a_clear_message():
    with pytest.raises(CamtError) as err:
        parse_camt(sample("genkgo_camt053.v2.wrong.xml"), "genkgo_camt053.v2.wrong.xml")
    assert str(err.value) == "genkgo_camt053.v2.wrong.xml : aucun relevé (Stmt) dans BkToCstmrStmt"


def test_entities_are_never_expanded_and_other_xml_is_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>'
        b"<Acct><Id><IBAN>&c;</IBAN></Id></Acct></Stmt></BkToCstmrStmt></Document>"
    )
    with pytest.raises(CamtError) as err:  # a bank statement never has a DTD: refused before any entity is read
        parse_camt(bomb, "bombe.xml")
    assert str(err.value) == "bombe.xml, ligne 1 : déclaration DOCTYPE refusée (un relevé bancaire n'en a pas)"
    with pytest.raises(CamtError, match="ce n'est pas un message camt"):
        parse_camt(b"<Document xmlns='urn:other'/>")
    with pytest.raises(CamtError, match=r"x.xml, ligne 1 : XML illisible"):
        parse_camt(b"<Document", "x.xml")
    assert sum(
        (line.amount for s in parse_camt(sample("genkgo_camt053.v2.multi.statement.xml")) for line in s.lines),
        Decimal("0"),
    ) == Decimal("1.85")


def test_every_valid_sample_parses_and_gives_each_line_its_own_id():
    names = sorted(p.name for p in (SAMPLES.iterdir() if SAMPLES.is_dir() else []) if "wrong" not in p.name)
    if not names:
        sample("genkgo_camt053.v2.multi.statement.xml")  # skips outside CI, fails in CI
    assert len(names) == 15
    for name in names:
        for statement in parse_camt(sample(name), name):
            ids = [line.line_id for line in statement.lines]
            assert len(set(ids)) == len(ids), name


def test_a_reversal_written_1_and_the_sign_of_each_transaction_of_a_batch():
    entry = (
        "<Ntry><Amt Ccy='EUR'>{amount}</Amt><CdtDbtInd>{side}</CdtDbtInd><RvslInd>{rvsl}</RvslInd>"
        "<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-03-02</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef>"
        "<NtryDtls>{txs}</NtryDtls></Ntry>"
    )
    tx = "<TxDtls><Amt Ccy='EUR'>{amount}</Amt><CdtDbtInd>{side}</CdtDbtInd></TxDtls>"
    batch = tx.format(amount="100.00", side="CRDT") + tx.format(amount="10.00", side="DBIT")
    data = (
        "<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.08'><BkToCstmrStmt><Stmt>"
        "<Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></Acct>"
        + entry.format(amount="90.00", side="CRDT", rvsl="false", ref="B1", txs=batch)
        + entry.format(amount="40.00", side="DBIT", rvsl="1", ref="R1", txs="")
        + "</Stmt></BkToCstmrStmt></Document>"
    ).encode()
    (statement,) = parse_camt(data)
    assert [(x.line_id, x.amount, x.reversal) for x in statement.lines] == [
        ("CAMT-B1-1", Decimal("100.00"), False),
        ("CAMT-B1-2", Decimal("-10.00"), False),
        ("CAMT-R1", Decimal("-40.00"), True),
    ]


def test_a_placeholder_reference_is_no_reference_and_each_line_keeps_its_own_id():
    name = "hbci4java_camt052.001.02_ruecklastschrift.xml"
    data = sample(name).decode()
    start, end = data.index("<Ntry>"), data.index("</Ntry>") + len("</Ntry>")
    entry = data[start:end]
    assert "<AcctSvcrRef>NONREF</AcctSvcrRef>" in entry
    other = entry.replace('<Amt Ccy="EUR">53.00</Amt>', '<Amt Ccy="EUR">47.10</Amt>')
    (statement,) = parse_camt((data[:end] + other + entry + data[end:]).encode(), name)
    lines = [(x.line_id.startswith("CAMT-NONREF"), x.amount) for x in statement.lines]
    assert lines == [(False, Decimal("-53.00")), (False, Decimal("-47.10")), (False, Decimal("-53.00"))]
    assert len({x.line_id for x in statement.lines}) == 3  # the same line twice in one statement: two lines


def test_invoice_numbers_of_a_structured_remittance_are_read_with_its_text():
    name = "handelsbanken-via-darko-mijic_ISO20022_camt053_extended_SE_incoming_payments_incl_CB_example.xml"
    data = sample(name).replace(b"<Nb>789789</Nb>", b"<Nb>F2026-000123</Nb>")
    (statement,) = parse_camt(data, name)
    assert [x.reference for x in statement.lines if x.amount == Decimal("4400")] == ["F2026-000123"]
