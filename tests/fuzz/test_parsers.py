"""Hostile input for every parser: CSV extracts (the generic reader, the referential, the activity, the manual
receipts, the phone log), bank statements (camt.053/054/052 and CFONB 120, through the function the loader
calls), general ledgers (FEC, read, validated and compared) and the settings (YAML).

Each property feeds random bytes, real sample files (../shared/samples) and small files of our own mutated
(bytes flipped, inserted, deleted, repeated, cut; fields, fixed-width zones and XML elements replaced by
hostile values: huge numbers, "NaN", "1e999", "²", other scripts' digits, NUL bytes, lone surrogates, very
long lines, deep YAML nesting, alias bombs, duplicate keys, wrong types). The parser must return a result
that the loader can store without losing a value, or raise the project's rejection (`UnreadableFile`,
`CamtError`, `CfonbError`, `FecError`, `SettingsError`) whose every line names the file and, when there is
one, the line / record / column / position. Any other exception fails. No hang: every example runs under a
hypothesis deadline and a wall-time guard. Bounded memory: the peak of Python allocations of a subset of
examples is measured with tracemalloc against 64 bytes per input byte plus 8 MB.

Budget: the default run (`uv run pytest tests/fuzz/test_parsers.py -q -p no:xdist`) replays the same examples
each time (5,860 in all, about 30 s on one core). For a longer, random run, multiply the budget:

    FUZZ_BUDGET=10 uv run pytest tests/fuzz/test_parsers.py -q -p no:xdist
"""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from assets.accounting.fec import RULES, FecError, LedgerLine, read_fec, validate
from assets.accounting.fec import read_general_ledger as read_ledger
from assets.accounting.reciprocity import last_date, opening_date, reciprocity
from assets.common.csvfile import UnreadableFile, decode, parse_csv_text
from assets.common.settings import Settings
from assets.common.settings_file import SettingsError, load_settings, parse_settings
from assets.common.warehouse import Warehouse
from assets.ingest.activity import CODES, ROW_SCHEMA, parse_activity
from assets.ingest.referential import SPECS, parse_referential
from assets.payments.camt import CamtError
from assets.payments.cfonb import CfonbError
from assets.payments.loading import LINE_SCHEMA, STATEMENT_SCHEMA, _row, _statement_row, parse_bank_file
from assets.payments.manual import parse_manual_receipts
from assets.payments.statements import MAX_AMOUNT
from assets.receivables.call_log import load_calls
from tests.conftest import REFERENTIAL
from tests.fuzz.hostile import (
    ACTIVITY_SEEDS,
    CALL_SEEDS,
    CAMT_SAMPLES,
    CFONB_SAMPLES,
    CSV_SEEDS,
    FEC_SAMPLES,
    RECEIPT_SEEDS,
    SETTINGS_SEEDS,
    any_bytes,
    assert_clean,
    budget,
    hostile_yaml,
    mutated,
    mutated_camt,
    mutated_cfonb,
    outcome,
    traced_peak,
)

pytestmark = [
    pytest.mark.filterwarnings("ignore:Generating overly large repr"),
    pytest.mark.slow,  # thousands of fuzzed inputs (FUZZ_BUDGET), about 2 minutes of one core
]
NOW = dt.datetime(2025, 4, 5, 9, 0, 0)
BANK_ERRORS = (CamtError, CfonbError, UnreadableFile)


def test_the_seeds_are_the_real_sample_files():
    assert (len(CAMT_SAMPLES), len(CFONB_SAMPLES), len(FEC_SAMPLES)) == (16, 10, 11)


def no_null(frame: pl.DataFrame, *columns: str) -> None:
    """The loader's frame kept every value (polars turns a Decimal it cannot hold into NULL)."""
    for column in columns:
        assert frame[column].null_count() == 0, (column, frame)


def exact_cents(amount: Decimal) -> bool:
    return amount.is_finite() and amount == amount.quantize(Decimal("0.01")) and abs(amount) < MAX_AMOUNT


# ------------------------------------------------------------------------------------------------ CSV


@budget(600)
@given(any_bytes(CSV_SEEDS))
@example(b"a;b\n" + b"\n" * 10_000)
@example(b"code_etablissement;id_usager\n" + b'"' + b"x" * 200_000)
@example(b"code_etablissement;id_usager;" + b"x" * 100_000 + b"\n")
def test_csv_reader(data):
    name = "entrees/x.csv"

    def read():
        text, encoding = decode(data, name)
        return parse_csv_text(text, name, {"code_etablissement", "id_usager"}, encoding)

    table = outcome(read, (UnreadableFile,), name)
    if table is not None:
        lines = [line for line, _ in table.rows] + [r.line for r in table.rejects]
        assert all(line >= 2 for line in lines) and len(set(lines)) == len(lines)
        assert all(r.path == name for r in table.rejects)
        assert all(set(cells) == set(table.columns) for _, cells in table.rows)


@budget(500)
@given(st.data())
def test_referential(data):
    """One of the seven files hostile, the others valid: never an exception; the unreadable file is named,
    the others still parsed, every kept amount and date stored."""
    spec = data.draw(st.sampled_from(SPECS))
    hostile = data.draw(any_bytes([REFERENTIAL[spec.file].encode()] + CSV_SEEDS[:7]))
    contents = {file: text.encode() for file, text in REFERENTIAL.items()} | {spec.file: hostile}
    parsed = outcome(lambda: parse_referential(contents), (), "referentiel")
    for file, message in parsed.unreadable.items():
        assert file == spec.file
        assert message.startswith(f"referentiel/{file}"), message
    for r in parsed.rejects:
        assert r.path.startswith("referentiel/") and r.line is not None and r.line >= 2
    for table, frame in parsed.frames.items():
        needed = [c.target for s in SPECS if s.table == table for c in s.columns if c.mandatory]
        no_null(frame, *needed)


@budget(600)
@given(any_bytes(ACTIVITY_SEEDS))
@example(
    b"code_etablissement;id_usager;" + ";".join(f"J{d}" for d in range(0, 40)).encode() + b"\nFH01;1;" + b"P;" * 40
)
def test_activity(data):
    name = "activite/2025-03/fh.csv"
    parsed = outcome(lambda: parse_activity(data, name, "2025-03"), (UnreadableFile,), name)
    if parsed is not None:
        frame = pl.DataFrame(parsed.rows, schema=ROW_SCHEMA, orient="row")
        no_null(frame, *ROW_SCHEMA)
        assert all(dt.date(2025, 3, 1) <= row[4] <= dt.date(2025, 3, 31) and row[5] in CODES for row in parsed.rows)
        assert all(r.path == name and r.line is not None for r in parsed.rejects)


@budget(500)
@given(any_bytes(RECEIPT_SEEDS))
def test_manual_receipts(data):
    name = "encaissements/mars.csv"
    result = outcome(lambda: parse_manual_receipts(data, name), (UnreadableFile,), name)
    if result is not None:
        lines, rejects = result
        assert all(exact_cents(x.amount) and x.amount != 0 and isinstance(x.booking_date, dt.date) for x in lines)
        assert len({x.line_id for x in lines}) <= len(lines)
        rows = [_row(x, "encaissements", name, "2025-03", NOW, mode=x.label) for x in lines]
        no_null(pl.DataFrame(rows, schema=LINE_SCHEMA, orient="row"), "line_id", "amount", "booking_date")
        assert all(r.path == name and r.line is not None for r in rejects)


@pytest.fixture(scope="module")
def calls_warehouse():
    with tempfile.TemporaryDirectory() as folder:
        entrees = Path(folder) / "entrees"
        (entrees / "relances").mkdir(parents=True)
        with Warehouse(Path(folder) / "e.duckdb").connect() as con:
            yield con, entrees


@budget(200)
@given(data=any_bytes(CALL_SEEDS))
def test_phone_log(calls_warehouse, data):
    """The phone log goes through the loader itself (load_calls, read only here): bad rows set aside."""
    con, entrees = calls_warehouse
    (entrees / "relances" / "appels.csv").write_bytes(data)
    calls, rejected = outcome(lambda: load_calls(con, entrees, "2025-03", NOW), (), "relances")
    assert rejected >= 0 and all(isinstance(c.day, dt.date) for c in calls)


# ------------------------------------------------------------------------------------------------ bank statements


def _check_statements(statements, name):
    rows, heads = [], []
    for rank, statement in enumerate(statements, start=1):
        heads.append(_statement_row(statement, "sha", name, rank, "2025-03"))
        for line in statement.lines:
            assert isinstance(line.booking_date, dt.date), line
            assert exact_cents(line.amount), line.amount
            rows.append(_row(line, "banque", name, "2025-03", NOW))
    no_null(pl.DataFrame(rows, schema=LINE_SCHEMA, orient="row"), "line_id", "amount", "booking_date")
    no_null(pl.DataFrame(heads, schema=STATEMENT_SCHEMA, orient="row"), "opening_balance", "movements")


@budget(800)
@given(st.one_of(any_bytes(list(CAMT_SAMPLES.values()), b"<>"), mutated_camt(), mutated_camt()))
def test_camt(data):
    name = "banque/releve.xml"
    statements = outcome(lambda: parse_bank_file(data, name), BANK_ERRORS, name)
    if statements is not None:
        _check_statements(statements, name)


@budget(800)
@given(
    st.one_of(
        st.binary(max_size=2000),
        mutated(list(CFONB_SAMPLES.values()), b""),
        mutated(list(CFONB_SAMPLES.values()), b"", keep_length=True),
        mutated_cfonb(),
        mutated_cfonb(),
    )
)
def test_cfonb(data):
    name = "banque/releve.cfo"
    statements = outcome(lambda: parse_bank_file(data, name), BANK_ERRORS, name)
    if statements is not None:
        _check_statements(statements, name)


# ------------------------------------------------------------------------------------------------ FEC


@budget(800)
@given(any_bytes(list(FEC_SAMPLES.values()), b"\t|"))
@example(b"JournalCode|EcritureNum|EcritureDate|ValidDate\n" + b"\r" * 50_000 + b"VT|1|20250101|20250101\n")
@example(
    b"JournalCode\tEcritureNum\tEcritureDate\tValidDate\nVT\t1\t20250102\t20250102\nVT\t"
    + b"9" * 5000
    + b"\t20250101\t20250101\n"
)
@example(b"JournalCode|EcritureNum|Debit|Credit\nVT|1|" + b"9" * 5000 + b"|" + b"8" * 5000 + b"\n")
@example(b"9" * 2600 + b"\t" + b"9" * 2600 + b"\tEcritureNum\tEcritureDate\nVT\t1\t20250101\n")  # twice a huge column
def test_fec(data):
    name = "comptabilite/grand_livre.txt"
    fec = outcome(lambda: read_fec(data, name), (FecError,), name)
    if fec is not None:
        problems = outcome(lambda: validate(fec, (dt.date(2025, 1, 1), dt.date(2025, 12, 31))), (), name)
        for problem in problems:
            assert problem.code in RULES, problem
            assert_clean(problem.message, name)
        day = last_date(fec) or dt.date(2025, 12, 31)
        outcome(lambda: reciprocity(fec, [], "411", day), (), name)
    # the réciprocité's reader gives the same values, or refuses the same file
    ledger = outcome(lambda: read_ledger(data, name, ""), (FecError,), name)
    assert (ledger is None) == (fec is None)
    if fec is not None:
        assert (ledger.encoding, ledger.rows, ledger.last_date) == (fec.encoding, len(fec.lines), last_date(fec))
        assert ledger.opening == opening_date(fec)
        assert ledger.lines == [
            LedgerLine(
                *(x.journal_code, x.ecriture_num, x.ecriture_date, x.compte_num, x.comp_aux_num, x.comp_aux_lib),
                *(x.piece_ref, x.ecriture_lib, x.debit, x.credit),
            )
            for x in fec.lines
        ]


# ------------------------------------------------------------------------------------------------ settings


@budget(600)
@given(hostile_yaml())
def test_settings(text):
    settings = outcome(lambda: parse_settings(text, "parametrage.yaml"), (SettingsError,), "parametrage.yaml")
    if settings is not None:
        assert isinstance(settings, Settings)
        settings.fjh_on(dt.date(2030, 1, 1))


@pytest.fixture(scope="module")
def settings_folder():
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


@budget(250)
@given(data=mutated([s.encode() for s in SETTINGS_SEEDS], b":,{}[]"))
def test_settings_file(settings_folder, data):
    """The file's bytes, through load_settings (BOM, invalid UTF-8, NUL)."""
    path = settings_folder / "parametrage.yaml"
    path.write_bytes(data)
    outcome(lambda: load_settings(path), (SettingsError,), str(path))


# ------------------------------------------------------------------------------------------------ memory

LIMIT_PER_BYTE, LIMIT_BASE = 64, 8 * 1024 * 1024


def _parse_any(kind: str, data: bytes):
    if kind == "csv":
        return parse_activity(data, "x.csv", "2025-03")
    if kind == "receipts":
        return parse_manual_receipts(data, "x.csv")
    if kind == "bank":
        return parse_bank_file(data, "x.cfo")
    return validate(read_fec(data, "x.txt"))


@budget(150, deadline_ms=20_000)
@given(
    st.one_of(
        st.tuples(st.just("csv"), any_bytes(ACTIVITY_SEEDS)),
        st.tuples(st.just("receipts"), any_bytes(RECEIPT_SEEDS)),
        st.tuples(st.just("bank"), mutated_cfonb()),
        st.tuples(st.just("fec"), any_bytes(list(FEC_SAMPLES.values()), b"\t|")),
    )
)
def test_memory_stays_proportional_to_the_input(case):
    kind, data = case
    peak = traced_peak(lambda: _parse_any(kind, data))
    assert peak < LIMIT_PER_BYTE * len(data) + LIMIT_BASE, (kind, len(data), peak)


@budget(60, deadline_ms=20_000)
@given(hostile_yaml())
def test_settings_memory(text):
    peak = traced_peak(lambda: parse_settings(text))
    assert peak < LIMIT_PER_BYTE * len(text.encode("utf-8", "surrogatepass")) + LIMIT_BASE, (len(text), peak)


def test_phone_log_promise_too_large_for_the_warehouse_is_set_aside(calls_warehouse):
    """Found by a longer fuzz run: 10^16 promised stopped the close (DECIMAL(18,2) overflow in polars)."""
    con, entrees = calls_warehouse
    (entrees / "relances" / "appels.csv").write_text(
        "date;cible;resultat;montant_promis\n01/03/2025;D66;promesse;10000000000000000\n", encoding="utf-8"
    )
    calls, rejected = load_calls(con, entrees, "2025-03", NOW)
    assert (calls, rejected) == ([], 1)
