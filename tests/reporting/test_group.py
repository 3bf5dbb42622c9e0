"""The group's view (docs/operations.md "Several associations"): groupe.yaml read strictly, the workspace of
one deployment, each association's figures read from its warehouse without writing it, the total."""

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from assets.common.warehouse import Warehouse
from assets.reporting.group import Figures, GroupError, association_figures, read_group, total
from pipelines.federation import code_server_commands, workspace_yaml

SETTINGS = (
    "association: {nom: Association %s, siret: '12345678901234', adresse: 1 rue, "
    "iban: FR7630006000011234567890189, bic: AGRIFRPP}\n"
)


def home(root: Path, name: str) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "parametrage.yaml").write_text(SETTINGS % name, encoding="utf-8")
    return folder


def test_groupe_yaml_is_read_strictly(tmp_path):
    home(tmp_path, "a66")
    home(tmp_path, "a11")
    path = tmp_path / "groupe.yaml"
    path.write_text("associations:\n  - {code: a66, home: a66}\n  - {code: a11, home: a11}\n", encoding="utf-8")
    group = read_group(path)
    assert [(m.code, m.home) for m in group.members] == [("a66", tmp_path / "a66"), ("a11", tmp_path / "a11")]
    assert group.sorties == tmp_path / "groupe"
    for text, message in (
        ("associations: []\n", "au moins une association"),
        ("associations:\n  - {code: A66, home: a66}\n", "code 'A66' en minuscules"),
        ("associations:\n  - {code: a66, home: a66}\n  - {code: a66, home: a11}\n", "code a66 déjà donné"),
        ("associations:\n  - {code: a99, home: nulle_part}\n", "a99 : .*parametrage.yaml introuvable"),
        ("associations:\n  - {code: a66, home: a66}\nsortie: x\n", "clé\\(s\\) inconnue\\(s\\) : sortie"),
    ):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(GroupError, match=message):
            read_group(path)


def test_the_workspace_has_one_code_server_per_association_then_the_groups(tmp_path):
    for name in ("a66", "a11"):
        home(tmp_path, name)
    path = tmp_path / "groupe.yaml"
    path.write_text("associations:\n  - {code: a66, home: a66}\n  - {code: a11, home: a11}\n", encoding="utf-8")
    group = read_group(path)
    assert yaml.safe_load(workspace_yaml(group, "code.local", 4000)) == {
        "load_from": [
            {"grpc_server": {"host": "code.local", "port": 4000, "location_name": "a66"}},
            {"grpc_server": {"host": "code.local", "port": 4001, "location_name": "a11"}},
            {"grpc_server": {"host": "code.local", "port": 4002, "location_name": "groupe"}},
        ]
    }
    assert code_server_commands(group, "code.local", 4000) == [
        f"RECETTES_HOME={tmp_path}/a66 RECETTES_ASSOCIATION=a66 dagster api grpc -m pipelines.definitions "
        "-h code.local -p 4000 --location-name a66",
        f"RECETTES_HOME={tmp_path}/a11 RECETTES_ASSOCIATION=a11 dagster api grpc -m pipelines.definitions "
        "-h code.local -p 4001 --location-name a11",
        f"RECETTES_GROUPE={path} dagster api grpc -m pipelines.group_definitions -h code.local -p 4002 "
        "--location-name groupe",
    ]


def test_an_association_is_read_without_writing_and_a_busy_one_is_named(tmp_path):
    from assets.reporting.group import Member

    folder = home(tmp_path, "a66")
    warehouse = Warehouse(folder / "entrepot.duckdb")
    with warehouse.connect() as con:
        con.execute(
            "INSERT INTO aged_balance (month, scope, code, non_echu, j1_30, j31_60, j61_90, plus_90, total) "
            "VALUES ('2025-03', 'payeur', 'TOTAL', 100.10, 0, 0, 0, 0.05, 100.15)"
        )
    before = (folder / "entrepot.duckdb").read_bytes()
    figures = association_figures(Member("a66", folder), "2025-03")
    assert (figures.state, figures.name, figures.receivables, figures.billed) == (
        "clôturé", "Association a66", Decimal("100.15"), Decimal("0.00")
    )  # fmt: skip
    assert association_figures(Member("a66", folder), "2025-04").state == "non clôturé"
    assert (folder / "entrepot.duckdb").read_bytes() == before
    writer = subprocess.Popen(  # a close writing it, in another process: DuckDB's lock
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ok', flush=True); "
         "time.sleep(60)", str(folder / "entrepot.duckdb")],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "ok\n"
        busy = association_figures(Member("a66", folder), "2025-03")
    finally:
        writer.kill()
        writer.wait()
    assert (busy.state, busy.counted) == ("indisponible : clôture en cours, relancez le rapport", False)


def test_the_total_adds_the_closed_associations_only():
    figures = [
        Figures("a", "A", "clôturé", Decimal("10.01"), Decimal("2.00"), Decimal("5.00"), Decimal("30.0"), 100,
                Decimal("110.50"), Decimal("-10.50"), Decimal("-1050.00"), Decimal("7.00")),
        Figures("b", "B", "clôturé", Decimal("0.99"), Decimal("1.00"), Decimal("-1.00"), None, 20, None, None, None),
        Figures("c", "C", "non clôturé", Decimal("999.00")),
    ]  # fmt: skip
    t = total(figures)
    assert (t.name, t.billed, t.received, t.receivables, t.dso, t.year_days) == (
        "2 association(s) sur 3", Decimal("11.00"), Decimal("3.00"), Decimal("4.00"), None, 120
    )  # fmt: skip
    assert (t.forecast_to_date, t.gap_days, t.gap_euros, t.held) == (
        Decimal("110.50"), Decimal("-10.50"), Decimal("-1050.00"), Decimal("7.00")
    )  # fmt: skip


def test_the_page_writes_a_dso_to_the_tenth_and_amounts_in_french(tmp_path):
    from assets.reporting.group import Group, Member, write_group_report

    folder = home(tmp_path, "a66")
    with Warehouse(folder / "entrepot.duckdb").connect() as con:
        con.execute(
            "INSERT INTO aged_balance (month, scope, code, non_echu, j1_30, j31_60, j61_90, plus_90, total) "
            "VALUES ('2025-03', 'payeur', 'TOTAL', 1234.5, 0, 0, 0, 0, 1234.5)"
        )
        con.execute("INSERT INTO dso (month, scope, receivables, days) VALUES ('2025-03', 'total', 1234.5, 41.2)")
    page, _ = write_group_report(Group(tmp_path / "groupe.yaml", [Member("a66", folder)], tmp_path / "out"), "2025-03")
    html = page.read_text(encoding="utf-8")
    assert "41,2 j" in html and "1\u202f234,50 €" in html
