"""Hostile workbooks for the readers that take them in place of a CSV (the activity, the manual receipts):
workbooks of random cells (hostile texts, huge or tiny numbers, dates, booleans, formulas' values) and
workbooks' bytes mutated. The reader returns rows the loader can store, or the project's rejection
(`UnreadableFile`) naming the file; any other exception fails. Budget as tests/fuzz/test_parsers.py."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from assets.common.csvfile import UnreadableFile
from assets.ingest.activity import CODES, ROW_SCHEMA, parse_activity
from assets.payments.manual import parse_manual_receipts
from assets.payments.statements import MAX_AMOUNT
from tests.common.workbooks import ods, xlsx
from tests.fuzz.hostile import HOSTILE_TEXT, any_bytes, budget, outcome

TEXTS = [t for t in HOSTILE_TEXT if len(t) < 32_000 and t.encode("utf-8", "ignore").decode() == t]
CELL = st.one_of(
    st.none(),
    st.sampled_from(TEXTS),
    st.sampled_from(["P", "H", "C", "F", "FH01", "IME01", "cheque", "especes", "000001", "2025-03-05", "05/03/2025"]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(-(10**16), 10**16),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
    st.booleans(),
)
ACTIVITY = ["code_etablissement", "id_usager", "date", "code"]
GRID = ["code_etablissement", "id_usager", *(f"J{d:02d}" for d in range(1, 32))]
RECEIPTS = ["date", "montant", "mode", "payeur", "reference", "numero_piece"]
SEEDS = [
    xlsx(("Feuil1", [ACTIVITY, ["FH01", 1, dt.date(2025, 3, 5), "P"], ["FH01", "000002", "2025-03-06", "H"]])),
    xlsx(("Mars", [GRID, ["IME01", 3, *["P"] * 31]])),
    xlsx(("Saisie", [RECEIPTS, [dt.date(2025, 3, 5), 1234.56, "cheque", "D66", "F2025-000001", 12]])),
    ods(("Feuille1", [ACTIVITY, ["FH01", 1, dt.date(2025, 3, 5), "P"]])),
]


def sheet(header: list[str]) -> st.SearchStrategy[bytes]:
    rows = st.lists(st.lists(CELL, max_size=len(header) + 2), max_size=30)
    return st.builds(lambda body, first: xlsx(("Feuil1", [header, *body]), first_row=first), rows, st.integers(0, 3))


def check_activity(data: bytes, name: str) -> None:
    parsed = outcome(lambda: parse_activity(data, name, "2025-03"), (UnreadableFile,), name)
    if parsed is not None:
        frame = pl.DataFrame(parsed.rows, schema=ROW_SCHEMA, orient="row")
        assert all(frame[c].null_count() == 0 for c in ROW_SCHEMA)
        assert all(dt.date(2025, 3, 1) <= row[4] <= dt.date(2025, 3, 31) and row[5] in CODES for row in parsed.rows)
        assert all(r.path == name and r.line is not None for r in parsed.rejects)


@budget(200)
@given(st.one_of(sheet(ACTIVITY), sheet(GRID)))
def test_activity_workbook_of_random_cells(data):
    check_activity(data, "activite/2025-03/fh.xlsx")


@budget(200)
@given(any_bytes(SEEDS, b"<"))
def test_activity_workbook_bytes_mutated(data):
    check_activity(data, "activite/2025-03/fh.xlsx")
    check_activity(data, "activite/2025-03/fh.ods")


@budget(200)
@given(st.one_of(sheet(RECEIPTS), any_bytes(SEEDS, b"<")))
def test_manual_receipts_workbook(data):
    name = "encaissements/mars.xlsx"
    result = outcome(lambda: parse_manual_receipts(data, name), (UnreadableFile,), name)
    if result is not None:
        lines, rejects = result
        for line in lines:
            assert line.amount == line.amount.quantize(line.amount.__class__("0.01")) and abs(line.amount) < MAX_AMOUNT
            assert line.amount != 0 and isinstance(line.booking_date, dt.date)
        assert all(r.path == name and r.line is not None for r in rejects)
