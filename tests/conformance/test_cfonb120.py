"""CFONB 120 files written by others (../shared/samples/cfonb120) read by our parser."""

import os
from decimal import Decimal
from pathlib import Path

import pytest

from assets.payments.cfonb import CfonbError, parse_cfonb120

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "cfonb120"


def sample(name: str) -> bytes:
    if not SAMPLES.is_dir() and not os.environ.get("CI"):
        pytest.skip("../shared/samples is not beside this checkout")
    return (SAMPLES / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "statements", "lines", "details", "movements", "balanced"),
    [
        ("pennylane_example.txt", 2, 6, 14, "26.68", [True, True]),
        ("silarhi_complex-test.txt", 8, 5, 4, "-5210.90", [True] * 8),
        ("silarhi_non-strict-test.txt", 8, 5, 4, "-5210.90", [True] * 8),
        ("silarhi_simple-test.txt", 1, 0, 0, "0", [True]),
        ("silarhi_test-unused-parts.txt", 8, 0, 0, "0", [True] * 8),
        # a test fixture whose balances do not follow from its movements: the statement control will say so
        ("akretion-python-cfonb_bank_statement.cfo", 1, 4, 0, "-2000.00", [False]),
    ],
)
def test_samples_parse_with_exact_counts_totals_and_balances(name, statements, lines, details, movements, balanced):
    parsed = parse_cfonb120(sample(name), name)
    assert len(parsed) == statements
    assert sum(len(s.lines) for s in parsed) == lines
    assert sum(len(line.details) for s in parsed for line in s.lines) == details
    assert sum((s.movements for s in parsed), Decimal("0")) == Decimal(movements)
    assert [s.balanced for s in parsed] == balanced


def test_amounts_signs_dates_and_details_of_one_statement():
    first, second = parse_cfonb120(sample("pennylane_example.txt"))
    assert (first.account, first.currency, str(first.opening_balance), str(first.closing_balance)) == (
        "155890000098765432100",
        "EUR",
        "-190.40",
        "-241.21",
    )
    line = first.lines[1]
    assert (str(line.amount), line.label, line.reference, line.details) == (
        "-10.70",
        "VIR  SEPA DEMONSTRATION",
        "REFERENCE",
        [("NPY", "ELEC ERDF")],
    )
    assert line.text == "VIR  SEPA DEMONSTRATION REFERENCE ELEC ERDF"
    assert str(second.lines[0].amount) == "97.49" and str(second.lines[0].value_date) == "2019-05-15"


def test_a_day_without_movement_and_blank_currency_on_balances():
    complex_ = parse_cfonb120(sample("silarhi_complex-test.txt"))
    assert [len(s.lines) for s in complex_] == [1, 2, 0, 1, 0, 1, 0, 0]  # 23/04: "PAS DE MOUVEMENT CE JOUR"
    akretion = parse_cfonb120(sample("akretion-python-cfonb_bank_statement.cfo"))[0]
    assert akretion.currency == "" and {line.currency for line in akretion.lines} == {"EUR"}
    assert [str(line.amount) for line in akretion.lines] == ["-2000.00", "-1000.00", "4000.00", "-3000.00"]


def test_a_file_without_line_breaks_reads_the_same():
    data = sample("pennylane_example.txt")
    flat = b"".join(line for line in data.splitlines() if line.strip())
    assert [(s.account, [(line.line_id, line.amount) for line in s.lines]) for s in parse_cfonb120(flat)] == [
        (s.account, [(line.line_id, line.amount) for line in s.lines]) for s in parse_cfonb120(data)
    ]


def test_line_ids_are_stable_and_unique_even_for_identical_lines():
    data = sample("pennylane_example.txt")
    ids = [line.line_id for s in parse_cfonb120(data) for line in s.lines]
    assert ids == [line.line_id for s in parse_cfonb120(data) for line in s.lines]
    assert len(set(ids)) == len(ids)
    first = data.splitlines()[0]
    op = next(line for line in data.splitlines() if line.startswith(b"04"))
    close = next(line for line in data.splitlines() if line.startswith(b"07"))
    twice = parse_cfonb120(b"\n".join([first, op, op, close]))[0]
    assert twice.lines[0].line_id != twice.lines[1].line_id  # two identical fees of a day stay two lines


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "pennylane_end_of_statement_without_beginning.txt",
            "pennylane_end_of_statement_without_beginning.txt, enregistrement 9 : nouveau solde (07) sans relevé "
            "ouvert (pas de 01)",
        ),
        ("pennylane_invalid_date.txt", "pennylane_invalid_date.txt, enregistrement 1 : 116 caractères au lieu de 120"),
        (
            "pennylane_new_statement_without_previous_ended.txt",
            "pennylane_new_statement_without_previous_ended.txt, enregistrement 6 : nouveau relevé (01) alors que le "
            "précédent (enregistrement 1) n'est pas clos par un 07",
        ),
        (
            "pennylane_operation_detail_without_operation.txt",
            "pennylane_operation_detail_without_operation.txt, enregistrement 3 : complément (05) sans mouvement (04) "
            "avant lui",
        ),
    ],
)
def test_invalid_samples_are_rejected_whole_with_record_and_reason(name, message):
    with pytest.raises(CfonbError) as err:
        parse_cfonb120(sample(name), name)
    assert str(err.value) == message


def test_bad_date_and_amount_name_their_position():
    line = "0430002013400447EUR2E0000888899H21210811  230911LCL20000000142                   0000000  0000000020000}"
    line = line.ljust(120)
    head = "01" + line[2:34] + "160911" + line[40:90] + "0000000000000H" + " " * 16
    with pytest.raises(CfonbError, match=r"enregistrement 2, position 35 : date JJMMAA invalide « 321311 »"):
        parse_cfonb120("\n".join([head, line[:34] + "321311" + line[40:]]).encode())
    with pytest.raises(CfonbError, match=r"enregistrement 2, position 91 : montant illisible « 00000000200X0} »"):
        parse_cfonb120("\n".join([head, line[:90] + "00000000200X0}" + line[104:]]).encode())


def test_only_cr_and_lf_end_a_record_and_only_ascii_digits_are_digits():
    line = "0430002013400447EUR2E0000888899H21210811  230911LCL20000000142                   0000000  0000000020000}"
    line = line.ljust(120)
    head = "01" + line[2:34] + "160911" + line[40:90] + "0000000000000{" + " " * 16
    tail = "07" + line[2:34] + "230911" + line[40:90] + "0000000020000}" + " " * 16
    labelled = line[:48] + "VIR SEPA RECU\x85".ljust(31) + line[79:]  # "…" in Windows-1252
    (statement,) = parse_cfonb120("\r\n".join([head, labelled, tail]).encode("latin-1"))
    assert statement.lines[0].label == "VIR SEPA RECU" and statement.balanced  # read, not cut in two
    with pytest.raises(CfonbError, match=r"enregistrement 2, position 91 : montant illisible « 000000002\xb2000} »"):
        parse_cfonb120("\n".join([head, line[:90] + "000000002\xb2000}" + line[104:], tail]).encode("latin-1"))


def test_payer_name_end_to_end_reference_and_returns_come_from_the_05_records():
    data = sample("pennylane_example.txt")
    lines = [x for s in parse_cfonb120(data) for x in s.lines]
    for x in lines:
        assert x.debtor_name == next((t for q, t in x.details if q == "NPY" and t), "")
        assert x.end_to_end_id == next((t for q, t in x.details if q == "RCN" and t), "")
        assert x.reversal == bool(x.reject_code)
    assert sum(1 for x in lines if x.debtor_name) >= 1
