"""Statement controls on real files: balances, and the chain of an account's statements."""

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest

from assets.payments.camt import parse_camt
from assets.payments.cfonb import parse_cfonb120
from assets.payments.statement_checks import StatementProblem, chain_breaks, unbalanced
from assets.payments.statements import Statement

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"


def sample(name: str) -> bytes:
    if not SAMPLES.is_dir() and not os.environ.get("CI"):
        pytest.skip("../shared/samples is not beside this checkout")
    return (SAMPLES / name).read_bytes()


def test_balanced_files_pass_and_the_others_are_named_with_their_gap():
    name = "cfonb120/pennylane_example.txt"
    assert unbalanced(parse_cfonb120(sample(name)), name) == []
    name = "cfonb120/akretion-python-cfonb_bank_statement.cfo"
    assert unbalanced(parse_cfonb120(sample(name)), name) == [
        StatementProblem(
            name,
            "30002004470000888899H",
            1,
            "solde initial 0,08 + mouvements -2000,00 ≠ solde final 11871,14 (écart 13871,06)",
        )
    ]
    name = "camt053/oca_test-camt053.001.02.xml"
    assert [p.problem for p in unbalanced(parse_camt(sample(name)), name)] == [
        "solde initial 15568,27 + mouvements -12,99 ≠ solde final 15121,12 (écart -434,16)"
    ]
    name = "camt053/oca_test-camt054.001.04.xml"  # a notification has no balances to check
    assert unbalanced(parse_camt(sample(name)), name) == []


def test_chain_of_statements_of_an_account():
    name = "cfonb120/silarhi_complex-test.txt"
    assert chain_breaks([(name, s) for s in parse_cfonb120(sample(name))]) == [
        StatementProblem(
            name,
            "102780220400020427603",
            8,
            "solde initial 584353,02 du 23/04/2020 ≠ solde final 11484,75 du relevé précédent (15/04/2020)",
        )
    ]
    name = "camt053/genkgo_camt053.v2.multi.statement.xml"
    assert [p.problem for p in chain_breaks([(name, s) for s in parse_camt(sample(name))])] == [
        "relevé du 30/12/2014 chevauchant le précédent (jusqu'au 31/12/2014)"
    ]


def test_a_missing_statement_is_a_gap():
    def statement(first, last, opening, closing):
        return Statement("ACC", "EUR", first, Decimal(opening), last, Decimal(closing))

    d = dt.date
    items = [
        ("a.cfo", statement(d(2025, 3, 3), d(2025, 3, 4), "10.00", "10.00")),
        ("b.cfo", statement(d(2025, 3, 4), d(2025, 3, 5), "10.00", "10.00")),
        ("c.cfo", statement(d(2025, 3, 9), d(2025, 3, 10), "10.00", "10.00")),
    ]
    assert chain_breaks(items) == [
        StatementProblem("c.cfo", "ACC", 3, "relevés manquants entre le 05/03/2025 et le 09/03/2025")
    ]
