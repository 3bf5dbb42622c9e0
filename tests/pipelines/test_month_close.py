"""Materialize months of the generated demo association through the Dagster job, into a temporary home."""

import csv
import io

import dagster as dg
import pytest

from assets.common.resources import resources
from assets.common.warehouse import Warehouse
from assets.ingest.activity import CODES
from demo.generator import close_date, generate, write_activity, write_referential, write_settings
from pipelines.close import close_month
from pipelines.definitions import defs
from pipelines.sensors import alert_after_close

pytestmark = pytest.mark.slow  # closes months through Dagster


CONTROLS = len(defs.resolve_asset_graph().asset_check_keys)  # every check records one control


@pytest.fixture(scope="module")
def demo():
    return generate("demo", 66)


def expected_days(files: dict[str, bytes], month: str, known_residents: set[str]) -> tuple[int, int]:
    """(days kept, rows set aside) counted straight from the extracts, independently of the parser."""
    kept = rejected = 0
    for content in files.values():
        text = (
            content.decode("utf-8")
            if not content.startswith(b"code_etablissement;id_usager;nom;date")
            else content.decode("windows-1252")
        )
        for row in csv.DictReader(io.StringIO(text), delimiter=";"):
            cells = (
                [(row["date"], row["code"])]
                if "date" in row
                else [(f"{month}-{k[1:]}", v) for k, v in row.items() if k.startswith("J") and v]
            )
            for day, code in cells:
                iso = day if "-" in day else f"{day[6:]}-{day[3:5]}-{day[:2]}"
                ok = iso.startswith(month) and code in CODES and row["id_usager"] in known_residents
                kept += ok
                rejected += not ok
    return kept, rejected


def table(con, query, params=None):
    return con.execute(query, params or {}).fetchall()


def state(home, month):
    with Warehouse(home / "entrepot.duckdb").connect() as con:
        return {
            "days": table(con, "SELECT * FROM activity_days WHERE month = $m ORDER BY ALL", {"m": month}),
            "quarantine": table(
                con, "SELECT scope, month, path, line, column_name, value, reason FROM quarantine ORDER BY ALL"
            ),
            "referential": [
                table(con, f"SELECT * FROM {t} ORDER BY ALL")  # noqa: S608
                for t in (
                    "establishments",
                    "payers",
                    "residents",
                    "stays",
                    "funding_decisions",
                    "rates",
                    "contributions",
                )
            ],
            "controls": table(con, "SELECT month, control, status, value, detail FROM control_results ORDER BY ALL"),
            "files": table(con, "SELECT sha256, path, status, rows_read, rows_rejected FROM input_files ORDER BY ALL"),
        }


def test_a_month_is_closed_with_exact_counts_then_rerunning_changes_nothing(tmp_path, demo):
    home = tmp_path / "home"
    month = "2025-02"  # FH01's extract names a resident nobody knows
    write_settings(home, demo)
    write_referential(home, demo, close_date(month))
    write_activity(home, month, demo.activity[month])
    residents = {d.row[0] for d in demo.referential["usagers.csv"]}
    kept, rejected = expected_days(demo.activity[month], month, residents)
    assert rejected == 1

    with dg.DagsterInstance.ephemeral() as instance:
        result = close_month(home, month, close_date(month), instance=instance)
        assert (result.exit_code, result.failed_controls, result.errors) == (0, [], [])
        first = state(home, month)
        assert len(first["days"]) == kept
        assert first["quarantine"] == [
            (
                "activite",
                month,
                f"activite/{month}/activite_FH01_{month}.csv",
                first["quarantine"][0][3],
                "id_usager",
                "009999",
                "usager inconnu",
            )
        ]
        assert [len(rows) for rows in first["referential"]][:3] == [6, 6, len(residents)]
        controls = {(m, c): s for m, c, s, _, _ in first["controls"]}
        assert controls[(month, "activite_lignes_rejetees")] == "echec"
        assert controls[(month, "activite_doublons")] == "ok"
        assert controls[("*", "tarifs_chevauchement")] == "ok"
        assert len(controls) == CONTROLS
        csv_lines = (home / "sorties" / month / "controles" / "controles.csv").read_text(encoding="utf-8").splitlines()
        assert csv_lines[0] == "\ufeffcontrole;severite;statut;valeur;detail" and len(csv_lines) == CONTROLS + 1

        again = close_month(home, month, close_date(month), instance=instance)
        assert again.exit_code == 0
        second = state(home, month)
        assert {k: v for k, v in second.items() if k != "controls"} == {
            k: v for k, v in first.items() if k != "controls"
        }
        assert [c[:4] for c in second["controls"]] == [c[:4] for c in first["controls"]]


def test_a_duplicate_day_holds_its_establishment_until_the_corrected_extract_arrives(tmp_path, demo):
    import csv

    home = tmp_path / "home"
    month = "2025-09"
    write_settings(home, demo)
    write_referential(home, demo, close_date(month))
    write_activity(home, month, demo.activity[month])

    def register():
        path = home / "sorties" / month / "factures" / "registre.csv"
        with path.open(encoding="utf-8-sig", newline="") as f:
            return [(r["numero"], r["code_etablissement"]) for r in csv.DictReader(f, delimiter=";")]

    with dg.DagsterInstance.ephemeral() as instance:
        blocked = close_month(home, month, close_date(month), instance=instance)
        assert blocked.exit_code == 1
        assert [c for c, _ in blocked.failed_controls] == ["activite_doublons"]
        assert blocked.failed_controls[0][1].startswith(
            "2 ligne(s) pour un même usager, établissement et jour ; activité retenue pour FAM01"
        )
        assert blocked.failed_controls[0][1].endswith(
            "établissement(s) retenu(s) : FAM01 ; les autres suivent leur cours"
        )
        assert blocked.held == {"FAM01": "retenu : activite_doublons"}
        issued = register()  # the other establishments went out
        assert issued and "FAM01" not in {e for _, e in issued}
        assert {e for _, e in issued} == {"FH01", "FV01", "IME01", "MAS01"}
        # the run is alerted once: by the command, and the sensor (the UI's way) finds it done
        alerts = (home / "sorties" / month / "alertes.log").read_text(encoding="utf-8").splitlines()
        assert alerts[0].endswith(f"clôture de {month} · run {blocked.run_id} · {len(alerts) - 2} alerte(s)")
        assert alerts[1].startswith("ERREUR activite_doublons : 2 ligne(s) pour un même usager")
        success = instance.all_logs(blocked.run_id, of_type=dg.DagsterEventType.RUN_SUCCESS)[0].dagster_event
        with dg.build_run_status_sensor_context(  # as the daemon does: the warehouse resource has a teardown
            sensor_name="alert_after_close",
            dagster_event=success,
            dagster_instance=instance,
            dagster_run=instance.get_run_by_id(blocked.run_id),
            resources=resources(str(home)),
        ) as context:
            assert alert_after_close(context).skip_message == "déjà signalé"
        write_activity(home, month, demo.corrections[month])
        fixed = close_month(home, month, close_date(month), instance=instance)
        assert (fixed.exit_code, fixed.failed_controls, fixed.held) == (0, [], {})
    numbers = [n for n, _ in register()]
    assert [e for _, e in register()[len(issued) :]] == ["FAM01"] * (len(numbers) - len(issued))
    assert numbers == sorted(numbers) and len(numbers) > len(issued)
    with Warehouse(home / "entrepot.duckdb").connect() as con:
        assert table(con, "SELECT count(*) FROM activity_days WHERE held") == [(0,)]
        assert table(con, "SELECT count(*) FROM input_files WHERE path LIKE '%FAM01_2025-09%'") == [(2,)]


def test_an_unreadable_referential_blocks_the_month(tmp_path, demo):
    home = tmp_path / "home"
    month = "2024-11"
    write_settings(home, demo)
    write_referential(home, demo, close_date(month))
    write_activity(home, month, demo.activity[month])
    (home / "entrees" / "referentiel" / "tarifs.csv").write_text("code_etablissement,modalite\n")
    with dg.DagsterInstance.ephemeral() as instance:
        result = close_month(home, month, close_date(month), instance=instance)
    assert result.exit_code == 1
    assert result.failed_controls == [
        (
            "referentiel_fichiers_lisibles",
            "referentiel/tarifs.csv : séparateur « virgule » détecté à la ligne 1 ; le séparateur attendu est le "
            "point-virgule « ; » — le référentiel précédent reste en place",
        )
    ]


def test_an_issue_date_far_after_the_month_issues_nothing_until_confirmed(tmp_path, demo):
    """The tag forgotten in the UI dates the documents today: on an old month, the close stops before numbering
    anything, saying why; the same date confirmed issues the month on it."""
    import datetime as dt

    from pipelines.cli import parser

    home = tmp_path / "home"
    month, late = "2024-11", dt.date(2025, 2, 1)  # 63 days after the month's end
    write_settings(home, demo)
    write_referential(home, demo, close_date(month))
    write_activity(home, month, demo.activity[month])
    with dg.DagsterInstance.ephemeral() as instance:
        blocked = close_month(home, month, late, instance=instance)
        assert blocked.exit_code == 1
        assert blocked.failed_controls == [
            (
                "date_emission",
                "date d'émission 01/02/2025 plus de 60 jours après la fin du mois 2024-11 (30/11/2024) : rien "
                "n'est émis ; donnez la date voulue (étiquette recettes/date_emission, --date-emission) ou "
                "confirmez celle-ci (étiquette recettes/confirmer_date = oui, --confirmer)",
            )
        ]
        with Warehouse(home / "entrepot.duckdb").connect() as con:
            assert table(con, "SELECT count(*) FROM documents") == [(0,)]
        confirmed = close_month(home, month, late, instance=instance, confirm_date=True)
        assert (confirmed.exit_code, confirmed.failed_controls) == (0, [])
    with Warehouse(home / "entrepot.duckdb").connect() as con:
        dates = table(con, "SELECT DISTINCT issue_date FROM documents")
        assert dates == [(late,)] and table(con, "SELECT count(*) > 0 FROM documents") == [(True,)]
    args = parser().parse_args(["run", "--month", month, "--date-emission", "2025-02-01", "--confirmer"])
    assert (args.date_emission, args.confirmer) == (late, True)
    assert parser().parse_args(["run", "--month", month]).confirmer is False
