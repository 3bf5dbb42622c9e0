import datetime as dt
import multiprocessing
import shutil
import time

import pytest

import assets.common.warehouse as wh
from assets.common.warehouse import Warehouse, WarehouseBusy, WarehouseTooNew, migrations

D = dt.date


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


def at_version(tmp_path, monkeypatch, version: int):
    """A warehouse whose schema stops at `version`, and what brings the next version into its schema files."""
    real = sorted(wh.SCHEMA_DIR.glob("*.sql"))
    schema = tmp_path / "schema"
    schema.mkdir()
    for path in real[:version]:
        shutil.copy(path, schema / path.name)
    monkeypatch.setattr(wh, "SCHEMA_DIR", schema)
    return Warehouse(tmp_path / "e.duckdb"), lambda: shutil.copy(real[version], schema / real[version].name)


def test_schema_12_computes_every_activity_hash_again(tmp_path, monkeypatch):
    # a warehouse at schema 11, whose hashes are bit_xors: a held month released left its hash as it was
    w, upgrade = at_version(tmp_path, monkeypatch, 11)
    days = [("2025-07", "E1", "000001", D(2025, 7, d), "C", "f.csv", d, "date", True) for d in (1, 2)]
    days.append(("2025-08", "E1", "000001", D(2025, 8, 1), "P", "f.csv", 1, "date", False))
    by_xor = "SELECT month, establishment_code, bit_xor(hash(resident_id, day, code, held)) FROM activity_days"
    with w.transaction() as con:
        con.executemany("INSERT INTO activity_days VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", days)
        con.execute(f"INSERT INTO activity_hashes {by_xor} GROUP BY ALL")
        held = con.execute("SELECT h FROM activity_hashes WHERE month = '2025-07'").fetchone()[0]
        con.execute("UPDATE activity_days SET held = false")
        assert con.execute(f"{by_xor} WHERE month = '2025-07' GROUP BY ALL").fetchone()[2] == held  # the fault
    upgrade()
    with w.connect() as con:
        assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 12
        summed = "SELECT month, establishment_code, hash(sum(hash(resident_id, day, code, held))) FROM activity_days"
        assert con.execute("SELECT * FROM activity_hashes ORDER BY ALL").fetchall() == (
            con.execute(f"{summed} GROUP BY ALL ORDER BY ALL").fetchall()
        )
        assert con.execute("SELECT h FROM activity_hashes WHERE month = '2025-07'").fetchone()[0] != held


def test_schema_13_keeps_the_audit_chain_and_drops_its_index(tmp_path, monkeypatch):
    w, upgrade = at_version(tmp_path, monkeypatch, 12)
    when = dt.datetime(2025, 1, 5, 10, 0)
    with w.transaction() as con:
        rows = [(seq, "document", f"F2025-00000{seq}", "c" * 64, "p" * 64, "h" * 64, when) for seq in (1, 2, 3)]
        con.executemany("INSERT INTO audit_chain VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        before = con.execute("SELECT * FROM audit_chain ORDER BY seq").fetchall()
        indexed = "SELECT constraint_type FROM duckdb_constraints() WHERE table_name = 'audit_chain' ORDER BY ALL"
        assert con.execute(indexed).fetchall() == [("NOT NULL",)] * 7 + [("PRIMARY KEY",)]
    upgrade()
    with w.connect() as con:
        assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 13
        assert con.execute("SELECT * FROM audit_chain ORDER BY seq").fetchall() == before
        assert con.execute(indexed).fetchall() == [("NOT NULL",)] * 7


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


@pytest.mark.slow  # waits for another process to give up the lock
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


class ExecuteOnly:
    """A connection that refuses `sql`: a relation built with parameters is materialized row by row
    (duckdb/duckdb-python#238), so query_frame must go through `execute`."""

    def __init__(self, con):
        self.con = con

    def sql(self, *args, **kwargs):
        raise AssertionError("con.sql used")

    def execute(self, *args, **kwargs):
        return self.con.execute(*args, **kwargs)


def test_a_query_frame_takes_only_the_parameters_its_query_names_and_never_builds_a_relation(tmp_path, monkeypatch):
    queries = tmp_path / "sql"
    (queries / "essai").mkdir(parents=True)
    (queries / "essai" / "jours.sql").write_text(
        "-- the days of a month ($unused in a comment is not a parameter)\n"
        "SELECT day, code FROM activity_days WHERE month = $month ORDER BY day;\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(wh, "SQL_DIR", queries)
    with Warehouse(tmp_path / "e.duckdb").transaction() as con:
        con.execute(
            "INSERT INTO activity_days (month, establishment_code, resident_id, day, code, source_path,"
            " source_line, source_column, held) VALUES"
            " ('2025-01', 'E1', 'U1', '2025-01-02', 'P', 'a.csv', 2, 'date', false),"
            " ('2025-01', 'E1', 'U1', '2025-01-01', 'H', 'a.csv', 3, 'date', false),"
            " ('2025-02', 'E1', 'U1', '2025-02-01', 'P', 'b.csv', 2, 'date', false)"
        )
        frame = wh.query_frame(ExecuteOnly(con), "essai/jours.sql", {"month": "2025-01", "other": 1})
    assert frame.columns == ["day", "code"]
    assert frame.rows() == [(D(2025, 1, 1), "H"), (D(2025, 1, 2), "P")]


def test_registered_frames_are_read_by_name_inside_the_block_and_gone_after_even_on_error(tmp_path):
    import duckdb
    import polars as pl

    con = duckdb.connect()
    # names that are no variable here: DuckDB would find a Python variable of that name by itself
    frames = {"numbers": pl.DataFrame({"x": [1, 2, 3]}), "letters": pl.DataFrame({"y": ["u"]})}
    with wh.registered(con, **frames):
        assert con.execute("SELECT sum(x), (SELECT y FROM letters) FROM numbers").fetchone() == (6, "u")
    with pytest.raises(RuntimeError, match="boom"), wh.registered(con, numbers=frames["numbers"]):
        raise RuntimeError("boom")
    for query in ("SELECT * FROM numbers", "SELECT * FROM letters"):
        with pytest.raises(duckdb.CatalogException):
            con.execute(query)
    # a name that is not one: refused, the frames registered before it unregistered
    with pytest.raises(ValueError, match="not a table name"):
        with wh.registered(con, numbers=frames["numbers"], **{"letters; DROP": frames["letters"]}):
            pass
    with pytest.raises(duckdb.CatalogException):
        con.execute("SELECT * FROM numbers")
