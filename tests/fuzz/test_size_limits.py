"""A 1 GB input is refused before it is read, quickly and with little memory, with a message naming the file
and the limit; the limits themselves, and the memory a large but acceptable file takes.

The 1 GB files are sparse (`truncate`): created at once, they take no disk space."""

from __future__ import annotations

import datetime as dt
import time
import tracemalloc
from pathlib import Path

import pytest

import assets.accounting.fec.read as fec
import assets.common.csvfile as csvfile
import assets.common.settings_file as settings
import assets.payments.camt as camt
import assets.payments.cfonb as cfonb
from assets.accounting.fec import FecError, read_fec, read_fec_file, validate
from assets.common.csvfile import UnreadableFile, read_csv_file, read_limited
from assets.common.settings_file import SettingsError, load_settings
from assets.ingest.activity import parse_activity
from assets.ingest.loading import load_activity, load_referential
from assets.payments.camt import CamtError, parse_camt
from assets.payments.cfonb import CfonbError, parse_cfonb120
from assets.payments.loading import load_bank_inputs
from tests.conftest import NOW
from tests.fuzz.hostile import CFONB_SAMPLES, FEC_SAMPLES

GB = 1 << 30
MB = 1 << 20


def sparse(path: Path, size: int = GB) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        f.truncate(size)
    return path


def quick_and_small(call, seconds: float = 1.0, peak_bytes: int = 1 * MB):
    """Run `call` (expected to raise), checking it took under `seconds` and `peak_bytes` of Python memory."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        call()
    finally:
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert elapsed < seconds, elapsed
        assert peak < peak_bytes, peak


def test_the_ceilings():
    assert csvfile.MAX_BYTES == 256 * MB  # CSV extracts: a month of a large association is about 10 MB
    assert fec.MAX_BYTES == 256 * MB  # a general ledger of a large association is about 100 MB
    assert camt.MAX_BYTES == cfonb.MAX_BYTES == 64 * MB  # a month of bank statements is a few MB
    assert settings.MAX_BYTES == 1 * MB  # a settings file is a few KB


def test_a_1_gb_csv_is_refused_unread(tmp_path):
    path = sparse(tmp_path / "activite.csv")
    with pytest.raises(UnreadableFile) as err:
        quick_and_small(lambda: read_csv_file(path, "activite/2025-03/activite.csv", {"id_usager"}))
    assert str(err.value) == (
        f"activite/2025-03/activite.csv : fichier de {GB} octets, au-delà de la limite de {256 * MB} octets"
    )


def test_a_1_gb_ledger_is_refused_unread(tmp_path):
    path = sparse(tmp_path / "grand_livre.txt")
    with pytest.raises(FecError) as err:
        quick_and_small(lambda: read_fec_file(path, "comptabilite/grand_livre.txt"))
    assert str(err.value) == (
        f"comptabilite/grand_livre.txt : fichier de {GB} octets, au-delà de la limite de {256 * MB} octets"
    )


def test_a_1_gb_settings_file_is_refused_unread(tmp_path):
    path = sparse(tmp_path / "parametrage.yaml")
    with pytest.raises(SettingsError) as err:
        quick_and_small(lambda: load_settings(path))
    assert str(err.value) == f"{path} : fichier de {GB} octets, au-delà de la limite de {MB} octets"


def test_a_source_whose_size_says_nothing_is_read_up_to_the_limit_only():
    with pytest.raises(UnreadableFile) as err:
        read_limited(Path("/dev/zero"), "zero.csv", limit=1000)
    assert str(err.value) == "zero.csv : plus de 1000 octets lus, au-delà de la limite de 1000 octets"


def test_settings_that_cannot_be_read_are_named(tmp_path):
    (tmp_path / "parametrage.yaml").mkdir()
    with pytest.raises(SettingsError) as err:
        load_settings(tmp_path / "parametrage.yaml")
    assert str(err.value) == f"{tmp_path / 'parametrage.yaml'} : dossier, pas un fichier ordinaire ; refusé, non lu"


def test_bytes_over_the_limit_are_refused_by_each_parser(monkeypatch):
    monkeypatch.setattr(csvfile, "MAX_BYTES", 10)
    monkeypatch.setattr(camt, "MAX_BYTES", 10)
    monkeypatch.setattr(cfonb, "MAX_BYTES", 10)
    monkeypatch.setattr(fec, "MAX_BYTES", 10)
    data = b"x" * 11
    for call, error, message in [
        (lambda: parse_activity(data, "a.csv", "2025-03"), UnreadableFile, "a.csv : fichier de 11 octets"),
        (lambda: parse_camt(data, "r.xml"), CamtError, "r.xml : fichier de 11 octets"),
        (lambda: parse_cfonb120(data, "r.cfo"), CfonbError, "r.cfo : fichier de 11 octets"),
        (lambda: read_fec(data, "g.txt"), FecError, "g.txt : fichier de 11 octets"),
    ]:
        with pytest.raises(error) as err:
            call()
        assert str(err.value) == f"{message}, au-delà de la limite de 10 octets"


# the loaders that read the files for these parsers check the size first, and go on with the other files


def test_loaders_refuse_a_1_gb_input_and_go_on(home, warehouse):
    entrees = home / "entrees"
    sparse(entrees / "activite" / "2025-03" / "enorme.csv")
    sparse(entrees / "banque" / "enorme.xml")
    sparse(entrees / "encaissements" / "enorme.csv")
    (entrees / "banque" / "petit.cfo").write_bytes(CFONB_SAMPLES["cfonb120/silarhi_simple-test.txt"])
    with warehouse.transaction() as con:
        assert load_referential(con, entrees, NOW).changed
        tracemalloc.start()
        start = time.perf_counter()
        activity = load_activity(con, entrees, "2025-03", NOW)
        bank = load_bank_inputs(con, entrees, "2025-03", NOW)
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert elapsed < 10 and peak < 64 * MB, (elapsed, peak)
    over = f"fichier de {GB} octets, au-delà de la limite de {256 * MB} octets"  # the file named with its folder
    assert activity.unreadable == {"activite/2025-03/enorme.csv": f"activite/2025-03/enorme.csv : {over}"}
    assert bank.unreadable == {
        "banque/enorme.xml": f"banque/enorme.xml : {over}",
        "encaissements/enorme.csv": f"encaissements/enorme.csv : {over}",
    }
    assert (bank.files, bank.statements) == (3, 1)


def test_a_1_gb_referential_file_keeps_the_previous_referential(home, warehouse):
    entrees = home / "entrees"
    sparse(entrees / "referentiel" / "usagers.csv")
    with warehouse.transaction() as con:
        summary = load_referential(con, entrees, NOW)
    assert summary.unreadable == {
        "usagers.csv": f"referentiel/usagers.csv : fichier de {GB} octets, au-delà de la limite de {256 * MB} octets"
    }


# memory of a large file that is accepted: proportional to its size


def _peak(call) -> int:
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    ("kind", "factor"),
    [("long", 40), ("grid", 100), ("blank_lines", 8), ("bad_rows", 128), ("ledger", 24), ("cfonb", 8)],
)
def test_memory_of_a_large_accepted_file(kind, factor):
    if kind == "long":
        data = "code_etablissement;id_usager;date;code\n" + "".join(
            f"FH01;{i:06d};{i % 28 + 1:02d}/03/2025;P\n" for i in range(20_000)
        )
    elif kind == "grid":
        head = "code_etablissement;id_usager;" + ";".join(f"J{d:02d}" for d in range(1, 32)) + "\n"
        data = head + "".join(f"FH01;{i:06d};" + ";".join("P" * 31) + "\n" for i in range(3_000))
    elif kind == "blank_lines":
        data = "code_etablissement;id_usager;date;code\n" + "\n" * 500_000
    elif kind == "bad_rows":
        data = "code_etablissement;id_usager;date;code\n" + "x\n" * 50_000
    if kind in ("long", "grid", "blank_lines", "bad_rows"):
        raw = data.encode()
        peak = _peak(lambda: parse_activity(raw, "a.csv", "2025-03"))
    elif kind == "ledger":
        raw = FEC_SAMPLES["fec/neolegal-fec-reader/123456789FEC20500930.txt"] * 50
        peak = _peak(lambda: validate(read_fec(raw, "g.txt")))
    else:
        raw = CFONB_SAMPLES["cfonb120/pennylane_example.txt"] * 200
        peak = _peak(lambda: parse_cfonb120(raw, "r.cfo"))
    assert peak < factor * len(raw) + 2 * MB, (kind, len(raw), peak, round(peak / len(raw), 1))


def test_the_phone_log_decisions_and_ledger_are_refused_by_name_past_their_ceiling(tmp_path):
    """The loaders that read the cell's files and the ledger read at most their ceiling (a sparse 1 GB file)."""
    from assets.accounting.entry_file import check_reciprocity
    from assets.common.settings_file import parse_settings
    from assets.common.warehouse import Warehouse
    from assets.payments.loading import load_decisions
    from assets.receivables.call_log import load_calls
    from tests.conftest import SETTINGS

    entrees = tmp_path / "entrees"
    for name in ("relances/appels.csv", "relances/lettrage_manuel.csv", "comptabilite/grand_livre.txt"):
        (entrees / name).parent.mkdir(parents=True, exist_ok=True)
        with open(entrees / name, "wb") as f:
            f.truncate(1 << 30)
    now = dt.datetime(2025, 4, 5)
    tracemalloc.start()
    with Warehouse(tmp_path / "e.duckdb").connect() as con:
        # refused like any unreadable file: named in the quarantine, the decisions last read kept
        assert load_calls(con, entrees, "2025-03", now) == ([], 1)
        assert load_decisions(con, entrees, "2025-03", now) == ([], 1)
        summary = check_reciprocity(con, parse_settings(SETTINGS), entrees, tmp_path / "sorties", "2025-03", now)
        refused = con.execute("SELECT path, reason FROM quarantine WHERE line IS NULL ORDER BY path").fetchall()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    over = "fichier de 1073741824 octets, au-delà de la limite de 268435456 octets"
    assert refused == [
        ("comptabilite/grand_livre.txt", f"comptabilite/grand_livre.txt : {over}"),
        ("relances/appels.csv", f"relances/appels.csv : {over}"),
        ("relances/lettrage_manuel.csv", f"relances/lettrage_manuel.csv : {over}"),
    ]
    assert list(summary.unreadable) == ["comptabilite/grand_livre.txt"]
    assert "au-delà de la limite" in summary.unreadable["comptabilite/grand_livre.txt"]
    assert peak < 128 * 1024 * 1024  # far from the 1 GB files: none was loaded (migrations and imports count)
