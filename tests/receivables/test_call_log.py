"""The phone log read from where the last reading ended: whatever the cell did to relances/appels.csv since
(lines appended, a line edited, lines removed, another encoding, bad rows, the file removed), a close reads
the same calls, the same rows into call_log, the same rejects with the same lines, as a reading of the whole
file into a new warehouse."""

import datetime as dt
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assets.common.warehouse import Warehouse
from assets.receivables import call_log as ledger
from assets.receivables.call_log import load_calls

NOW = dt.datetime(2025, 6, 5, 9, 0)
HEADER = "date;cible;interlocuteur;resultat;date_promesse;montant_promis;commentaire"
GOOD = [
    "2025-03-02;U000001;la tutrice;promesse;2025-03-20;310,00;paiera à la fin du mois",
    "2025-03-03;F2025-000001;;injoignable;;;",
    "2025-03-04;D66;le service;litige;;;conteste le prix de journée",
    '2025-03-05;U000002;"Mme Léa PUIG";deja_paye;;;"chèque envoyé ; le 2"',
    "2025-03-06;U000003;;autre;;;",
]
BAD = "2025-03-07;U000004;;peut-etre;;;"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """An empty warehouse at the current schema, migrated once and copied for each warehouse of the tests."""
    path = tmp_path_factory.mktemp("template") / "template.duckdb"
    with Warehouse(path).connect():
        pass
    return path


def warehouse(template: Path, path: Path) -> Warehouse:
    shutil.copyfile(template, path)
    return Warehouse(path)


def log(*lines: str, end: str = "\n", encoding: str = "utf-8") -> bytes:
    return end.join([HEADER, *lines, ""]).encode(encoding)


def read(con, entrees, content: bytes | None, month: str):
    path = entrees / "relances" / "appels.csv"
    if content is None:
        path.unlink(missing_ok=True)
    else:
        path.write_bytes(content)
    con.execute("BEGIN TRANSACTION")
    calls, rejected = load_calls(con, entrees, month, NOW)
    con.execute("COMMIT")
    return (
        calls,
        rejected,
        con.execute("SELECT * FROM call_log ORDER BY source_line").fetchall(),
        con.execute(
            "SELECT line, column_name, value, reason FROM quarantine WHERE scope = 'relances' AND month = ? "
            "ORDER BY line NULLS FIRST, column_name",
            [month],
        ).fetchall(),
    )


def whole(template, tmp_path, content: bytes | None, month: str):
    """The same content read by a new warehouse: the whole file."""
    entrees = tmp_path / f"fresh-{month}" / "entrees"
    (entrees / "relances").mkdir(parents=True)
    with warehouse(template, tmp_path / f"fresh-{month}" / "w.duckdb").connect() as con:
        return read(con, entrees, content, month)


def spy(monkeypatch) -> list[str]:
    parsed = []
    real = ledger.parse_csv_text

    def recording(text, *args, **kwargs):
        parsed.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(ledger, "parse_csv_text", recording)
    return parsed


CP1252 = (log(*GOOD[:4]).decode() + "2025-03-08;U000005;;autre;;;réglé\n").encode("cp1252")


def test_each_change_of_the_log_reads_as_the_whole_file(template, tmp_path, monkeypatch):
    versions = [
        ("first reading", log(*GOOD[:3]), "whole"),
        ("two calls appended", log(*GOOD[:5]), "appended"),
        ("nothing changed", log(*GOOD[:5]), "appended"),
        ("a bad row appended", log(*GOOD[:5], BAD), "appended"),
        ("a call after it: read whole, its reject again", log(*GOOD[:5], BAD, GOOD[0]), "whole"),
        ("the bad row corrected in the middle", log(*GOOD[:5], GOOD[1], GOOD[0]), "whole"),
        ("calls appended again", log(*GOOD[:5], GOOD[1], GOOD[0], GOOD[2]), "appended"),
        ("a call edited, one appended", log(*GOOD[:5], GOOD[1], GOOD[1], GOOD[2], GOOD[3]), "whole"),
        ("the last lines removed", log(*GOOD[:4]), "whole"),
        (
            "a line in Windows-1252 appended",
            log(*GOOD[:4]) + "2025-03-08;U000005;;autre;;;réglé\n".encode("cp1252"),
            "whole",
        ),
        ("back to UTF-8, whole", log(*GOOD[:2]), "whole"),
        ("a last line cut short appended", log(*GOOD[:2]) + b"2025-03-09;U000006", "whole"),
        ("the file removed", None, "whole"),
        ("written again with CR LF", log(*GOOD[:2], end="\r\n"), "whole"),
        ("appended with CR LF", log(*GOOD[:4], end="\r\n"), "appended"),
        ("with a byte-order mark", b"\xef\xbb\xbf" + log(*GOOD[:4]), "whole"),
        ("appended after it", b"\xef\xbb\xbf" + log(*GOOD[:5]), "appended"),
        ("written in Windows-1252", CP1252, "whole"),
        ("a line in UTF-8 appended to it", CP1252 + "2025-03-09;U000006;Léa;autre;;;déjà vu\n".encode(), "whole"),
    ]
    entrees = tmp_path / "entrees"
    (entrees / "relances").mkdir(parents=True)
    with warehouse(template, tmp_path / "w.duckdb").connect() as con:
        for k, (what, content, how) in enumerate(versions, start=1):
            month = f"{2024 + (k - 1) // 12}-{(k - 1) % 12 + 1:02d}"
            parsed = spy(monkeypatch)
            got = read(con, entrees, content, month)
            monkeypatch.undo()
            assert got == whole(template, tmp_path, content, month), what
            if content is not None and how == "appended":  # the lines read before are not parsed again
                assert parsed and all(GOOD[0] not in text for text in parsed), what
            elif content is not None:
                assert any(text.count("\n") >= content.count(b"\n") - 1 for text in parsed), what
    calls, rejected, rows, _ = got
    assert (len(calls), rejected, [r[-1] for r in rows]) == (6, 0, [2, 3, 4, 5, 6, 7])
    assert calls[3].target == "U000002" and calls[3].result == "deja_paye"


@settings(max_examples=40, deadline=None)
@given(
    lines=st.lists(
        st.sampled_from([*GOOD, BAD, "", "2025-03-10;;;autre;;;", "x;y", '2025-03-11;D66;"a\nb";autre;;;']),
        max_size=12,
    ),
    cut=st.integers(min_value=0, max_value=12),
    more=st.lists(st.sampled_from([*GOOD, BAD, "", "z"]), max_size=5),
)
@pytest.mark.slow  # 40 property-based examples, each on a warehouse
def test_a_log_read_then_appended_to_reads_as_the_whole_file(template, tmp_path_factory, lines, cut, more):
    tmp_path = tmp_path_factory.mktemp("log")
    entrees = tmp_path / "entrees"
    (entrees / "relances").mkdir(parents=True)
    before, after = log(*lines[:cut]), log(*lines[:cut], *more) + log(*lines[cut:])[len(HEADER) + 1 :]
    with warehouse(template, tmp_path / "w.duckdb").connect() as con:
        assert read(con, entrees, before, "2025-01") == whole(template, tmp_path, before, "2025-01")
        assert read(con, entrees, after, "2025-02") == whole(template, tmp_path, after, "2025-02")


def test_a_payer_code_without_its_leading_zeros_names_the_payer_stored(template, tmp_path):
    """The cell types U1 for the resident U000001, and Excel saves the département 066 as 66: the calls are
    those of the payers the referential and the invoices know, under their stored codes."""
    entrees = tmp_path / "entrees"
    (entrees / "relances").mkdir(parents=True)
    with warehouse(template, tmp_path / "w.duckdb").connect() as con:
        con.execute("INSERT INTO residents (id, last_name, first_name, src_line) VALUES ('000001', 'DURAND', 'Léa', 2)")
        con.execute("INSERT INTO payers (code, name, type, src_line) VALUES ('066', 'Département', 'departement', 2)")
        content = log(
            "2025-03-02;U1;la tutrice;promesse;2025-03-20;310,00;",
            "2025-03-04;66;le service;litige;;;",
            "2025-03-05;u0001;;injoignable;;;",
            "2025-03-06;F2025-000001;;autre;;;",
            "2025-03-07;U2;;autre;;;",  # nobody: kept as written
        )
        calls, rejected, rows, _ = read(con, entrees, content, "2025-03")
        assert rejected == 0
        assert [c.target for c in calls] == ["U000001", "066", "U000001", "F2025-000001", "U2"]
        assert [r[1] for r in rows] == ["U000001", "066", "U000001", "F2025-000001", "U2"]
        # read again after a line is appended: the calls read before too
        calls, *_ = read(con, entrees, content + b"2025-03-08;0066;;autre;;;\n", "2025-04")
        assert [c.target for c in calls] == ["U000001", "066", "U000001", "F2025-000001", "U2", "066"]


def test_a_closed_dispute_is_read_and_an_unknown_result_is_set_aside(template, tmp_path):
    """`litige_clos` is a result of the log, stored as written; a result the log does not know is set aside
    with its file, line and column, and not acted on."""
    entrees = tmp_path / "entrees"
    (entrees / "relances").mkdir(parents=True)
    with warehouse(template, tmp_path / "w.duckdb").connect() as con:
        content = log(
            "2025-03-04;F2025-000001;le fils;litige;;;conteste deux journées",
            "2025-04-02;f2025-000001;le fils;Litige_Clos;;;avoir reçu, d'accord",
            "2025-04-03;F2025-000001;le fils;litige clos;;;",
        )
        calls, rejected, rows, quarantined = read(con, entrees, content, "2025-04")
        assert [(c.day, c.target, c.result) for c in calls] == [
            (dt.date(2025, 3, 4), "F2025-000001", "litige"),
            (dt.date(2025, 4, 2), "F2025-000001", "litige_clos"),
        ]
        assert [(r[1], r[2], r[3], r[6], r[7]) for r in rows] == [
            ("F2025-000001", "le fils", "litige", "conteste deux journées", 2),
            ("F2025-000001", "le fils", "litige_clos", "avoir reçu, d'accord", 3),
        ]
        assert rejected == 1
        assert quarantined == [
            (
                4,
                "resultat",
                "litige clos",
                "valeur non prévue, attendu : promesse, litige, litige_clos, injoignable, deja_paye, autre",
            )
        ]
        assert con.execute("SELECT path, kept FROM quarantine WHERE scope = 'relances'").fetchall() == [
            ("relances/appels.csv", False)
        ]
