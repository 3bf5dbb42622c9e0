"""docs/rules.md B12: a corrected extract dropped in an earlier open month's folder after that month was closed is
read by the next close of a later month, with the checks of a first reading, and its differences issued by that
close; an unchanged folder is not opened."""

from decimal import Decimal

import pytest

from assets.common.inputs import Input
from assets.ingest.loading import extract_stamp, load_activity, read_corrected_months
from tests.billing.case import NOW, Case, D

M = Decimal
SINCE = "2023-03"  # the open months of a close of 2025-03 (24 months back)


def extract(month: str, days: dict[str, range], extra: str = "") -> str:
    lines = ["code_etablissement;id_usager;date;code"]
    lines += [f"FH01;{rid};{month}-{d:02d};P" for rid, span in days.items() for d in span]
    return "\n".join(lines) + "\n" + extra


def drop(entrees, month: str, name: str, text: str):
    folder = entrees / "activite" / month
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


@pytest.fixture
def closed(tmp_path):
    """January and February read and issued: 000001 present 30 days of January (the 31st forgotten)."""
    case = (
        Case(tmp_path)
        .establishment("FH01", "FH")
        .payer("D66", "departement")
        .rate("FH01", "internat", D(2025, 1, 1), D(2025, 12, 31), "150.00")
    )
    for rid in ("000001", "000002"):
        case.resident(rid).stay(rid, "FH01", D(2024, 1, 1)).decision(rid, "D66", "FH01", D(2024, 1, 1))
    entrees = tmp_path / "entrees"
    drop(entrees, "2025-01", "fh01.csv", extract("2025-01", {"000001": range(1, 31), "000002": range(1, 11)}))
    drop(entrees, "2025-02", "fh01.csv", extract("2025-02", {"000001": range(1, 29), "000002": range(1, 11)}))
    drop(entrees, "2025-03", "fh01.csv", extract("2025-03", {"000001": range(1, 32), "000002": range(1, 11)}))
    for month, on in (("2025-01", D(2025, 2, 5)), ("2025-02", D(2025, 3, 5))):
        with case.transaction() as con:
            load_activity(con, entrees, month, NOW)
            assert read_corrected_months(con, entrees, month, SINCE, NOW) == []
        case.issue(month, on)
    yield case, entrees
    case.close()


def close_march(case: Case, entrees):
    with case.transaction() as con:
        load_activity(con, entrees, "2025-03", NOW)
        rereads = read_corrected_months(con, entrees, "2025-03", SINCE, NOW)
    return rereads, case.issue("2025-03", D(2025, 4, 5))


def test_a_corrected_extract_of_january_is_read_and_billed_by_the_close_of_march(closed):
    case, entrees = closed
    assert [d[0] for d in case.documents()] == ["F2025-000001", "F2025-000002"]
    drop(entrees, "2025-01", "fh01.csv", extract("2025-01", {"000001": range(1, 32), "000002": range(1, 11)}))
    rereads, summary = close_march(case, entrees)
    assert [(r.summary.month, r.paths, r.summary.days) for r in rereads] == [
        ("2025-01", ["activite/2025-01/fh01.csv"], 41)
    ]
    assert (summary.invoices, summary.credit_notes) == (2, 0)
    assert case.documents()[2:] == [
        ("F2025-000003", "facture", "complementaire", "2025-01", "D66", "FH01", M("150.00"), "F2025-000001",
         D(2025, 4, 5), D(2025, 5, 5)),
        ("F2025-000004", "facture", "initiale", "2025-03", "D66", "FH01", M("6150.00"), None,
         D(2025, 4, 5), D(2025, 5, 5)),
    ]  # fmt: skip
    assert case.lines("F2025-000003") == [("000001", "presence", 1, M("150.00"), M("150.00"))]
    with case.transaction() as con:
        assert con.execute("SELECT run_month, month, paths FROM activity_rereads").fetchall() == [
            ("2025-03", "2025-01", "activite/2025-01/fh01.csv")
        ]
    # March closed again, nothing changed: no folder opened, nothing issued
    again, summary = close_march(case, entrees)
    assert (again, summary.documents, len(case.documents())) == ([], 0, 4)


def test_a_corrected_extract_with_a_bad_row_sets_it_aside_naming_its_file_and_line(closed):
    case, entrees = closed
    bad = "FH01;000001;2025-01-31;Z\nFH01;000002;2025-02-11;P\n"
    drop(entrees, "2025-01", "fh01.csv", extract("2025-01", {"000001": range(1, 31), "000002": range(1, 12)}, bad))
    rereads, summary = close_march(case, entrees)
    assert [(r.summary.month, r.summary.rejected, r.summary.days) for r in rereads] == [("2025-01", 2, 41)]
    with case.transaction() as con:
        assert con.execute(
            "SELECT month, path, line, column_name, value, reason FROM quarantine ORDER BY line"
        ).fetchall() == [
            ("2025-01", "activite/2025-01/fh01.csv", 43, "code", "Z", "code inconnu, attendu : P, H, C ou F"),
            ("2025-01", "activite/2025-01/fh01.csv", 44, "date", "2025-02-11", "date hors du mois 2025-01"),
        ]
    # 000002's 11th of January billed; the rows set aside change nothing else
    assert [(d[0], d[2], d[3], d[6]) for d in case.documents()[2:3]] == [
        ("F2025-000003", "complementaire", "2025-01", M("150.00"))
    ]
    assert case.lines("F2025-000003") == [("000002", "presence", 1, M("150.00"), M("150.00"))]


def test_an_unchanged_folder_is_not_opened_and_a_touched_file_is_hashed_once(closed, monkeypatch):
    case, entrees = closed
    opened: list[str] = []
    real_read = Input.read

    def read(self, *args, **kwargs):
        opened.append(self.path)
        return real_read(self, *args, **kwargs)

    monkeypatch.setattr(Input, "read", read)
    with case.transaction() as con:
        assert read_corrected_months(con, entrees, "2025-03", SINCE, NOW) == []
    assert opened == []
    touched = [entrees / "activite" / month / "fh01.csv" for month in ("2025-01", "2025-02")]
    for extract_file in touched:
        extract_file.write_bytes(extract_file.read_bytes())  # the same content written again: a new stamp
    with case.transaction() as con:
        assert read_corrected_months(con, entrees, "2025-03", SINCE, NOW) == []
        assert con.execute("SELECT month, stamp FROM activity_files ORDER BY month").fetchall() == [
            ("2025-01", extract_stamp(entrees, "activite/2025-01/fh01.csv")),
            ("2025-02", extract_stamp(entrees, "activite/2025-02/fh01.csv")),
        ]  # both months' new stamps recorded at once
        assert read_corrected_months(con, entrees, "2025-03", SINCE, NOW) == []
    # hashed once each, found the same, not read as activity
    assert opened == ["activite/2025-01/fh01.csv", "activite/2025-02/fh01.csv"]
    # a folder removed (archived) reads nothing either; a file removed from a folder still there does
    (entrees / "activite" / "2025-02" / "fh01.csv").rename(entrees / "fevrier.csv")
    (entrees / "activite" / "2025-02").rmdir()
    drop(entrees, "2025-01", "autre.txt", "x")
    with case.transaction() as con:
        rereads = read_corrected_months(con, entrees, "2025-03", SINCE, NOW)
    assert [(r.summary.month, r.paths) for r in rereads] == [("2025-01", ["activite/2025-01/autre.txt"])]
    with case.transaction() as con:  # refused by name as at a first reading; January's days the same
        assert con.execute("SELECT path, status FROM activity_files WHERE month = '2025-01' ORDER BY 1").fetchall() == [
            ("activite/2025-01/autre.txt", "illisible"),
            ("activite/2025-01/fh01.csv", "lu"),
        ]
    assert case.issue("2025-02", D(2025, 3, 6)).documents == 0
