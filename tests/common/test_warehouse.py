import multiprocessing
import time

import pytest

import assets.common.warehouse as wh
from assets.common.warehouse import Warehouse, WarehouseBusy, WarehouseTooNew, migrations


def tables(con):
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def test_schema_is_created_once_and_reopening_changes_nothing(tmp_path):
    w = Warehouse(tmp_path / "e.duckdb")
    with w.connect() as con:
        first = con.execute("SELECT version, name FROM schema_version ORDER BY version").fetchall()
        assert {"input_files", "activity_days", "quarantine", "control_results", "residents"} <= tables(con)
    with w.connect() as con:
        assert con.execute("SELECT version, name FROM schema_version ORDER BY version").fetchall() == first
    assert first == [(v, n) for v, n, _ in migrations()]


def test_an_older_file_is_upgraded_and_a_newer_one_refused(tmp_path, monkeypatch):
    schema = tmp_path / "schema"
    schema.mkdir()
    (schema / "001_first.sql").write_text("CREATE TABLE a (x INTEGER);")
    monkeypatch.setattr(wh, "SCHEMA_DIR", schema)
    w = Warehouse(tmp_path / "e.duckdb")
    with w.transaction() as con:
        con.execute("INSERT INTO a VALUES (1)")
    (schema / "002_second.sql").write_text("ALTER TABLE a ADD COLUMN y VARCHAR DEFAULT 'z';")
    with w.connect() as con:
        assert con.execute("SELECT x, y FROM a").fetchall() == [(1, "z")]
        assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 2
    (schema / "002_second.sql").unlink()
    with pytest.raises(WarehouseTooNew, match="l'entrepôt est au schéma 2, cette version de Recettes ne connaît que 1"):
        with w.connect():
            pass


def test_a_failed_unit_of_work_leaves_nothing(tmp_path):
    w = Warehouse(tmp_path / "e.duckdb")
    with pytest.raises(RuntimeError):
        with w.transaction() as con:
            con.execute("INSERT INTO quarantine VALUES ('x', NULL, 'p', 1, NULL, NULL, 'r', false, now())")
            raise RuntimeError("boom")
    with w.connect() as con:
        assert con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0


def _hold(path, ready, seconds):
    with Warehouse(path).connect():
        ready.set()
        time.sleep(seconds)


def test_a_second_process_waits_then_gives_a_clear_message(tmp_path):
    path = tmp_path / "e.duckdb"
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold, args=(path, ready, 3))
    holder.start()
    try:
        assert ready.wait(60)
        with pytest.raises(WarehouseBusy, match="l'entrepôt est occupé par un autre traitement depuis 1 s"):
            with Warehouse(path, lock_timeout_s=1).connect():
                pass
        with Warehouse(path, lock_timeout_s=30).connect() as con:  # waits for the holder to finish
            assert con.execute("SELECT 1").fetchone() == (1,)
    finally:
        holder.join(30)


def test_warehouse_file_is_private(tmp_path):
    w = Warehouse(tmp_path / "e.duckdb")
    with w.connect():
        pass
    assert (tmp_path / "e.duckdb").stat().st_mode & 0o077 == 0
