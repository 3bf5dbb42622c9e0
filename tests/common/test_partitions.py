"""A data folder's months: from the association's first month (settings, else its first activity) to the last
complete one; a month in progress, to come or before the first cannot be closed."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from assets.common.partitions import first_month, months_for, refused_month
from assets.common.settings_file import SettingsError
from pipelines.cli import main

SETTINGS = (
    "association: {nom: A, siret: '12345678900011', adresse: x, iban: FR7630006000011234567890189, bic: AGRIFRPP}\n"
)
PARIS = ZoneInfo("Europe/Paris")


def folder(tmp_path, *months, first=None):
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "parametrage.yaml").write_text(SETTINGS + (f"premier_mois: '{first}'\n" if first else ""))
    for month in months:
        (tmp_path / "entrees" / "activite" / month).mkdir(parents=True)
    (tmp_path / "entrees" / "activite" / "notes").mkdir(parents=True, exist_ok=True)  # not a month: ignored
    return tmp_path


def test_the_first_month_is_the_setting_else_the_first_activity_else_the_last_complete_one(tmp_path):
    assert first_month(folder(tmp_path / "a", "2025-01", "2024-11")) == (
        "2024-11",
        "premier dossier de entrees/activite/",
    )
    assert first_month(folder(tmp_path / "b", "2024-11", first="2025-01")) == (
        "2025-01",
        "premier_mois de parametrage.yaml",
    )
    last = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    assert first_month(tmp_path / "empty")[0] == last  # no data: one month, the last complete one


def test_the_partitions_run_from_the_first_month_to_the_last_complete_one(tmp_path):
    months = months_for(folder(tmp_path, "2024-11", "2024-12"))
    keys = months.get_partition_keys(current_time=dt.datetime(2026, 12, 7, 9, tzinfo=PARIS))
    assert keys[0] == "2024-11-01" and keys[-1] == "2026-11-01" and len(keys) == 25
    # the month ends at midnight in France: on 1 December at 00:30 (23:30 UTC) November can be closed
    just_after = dt.datetime(2026, 12, 1, 0, 30, tzinfo=PARIS)
    assert months.get_partition_keys(current_time=just_after)[-1] == "2026-11-01"
    assert months.get_partition_keys(current_time=just_after - dt.timedelta(hours=1))[-1] == "2026-10-01"


def test_a_month_in_progress_to_come_or_before_the_first_is_refused(tmp_path):
    home = folder(tmp_path, "2024-11")
    now = dt.datetime(2026, 12, 7, 9, tzinfo=PARIS)
    assert refused_month(home, "2024-11", now) is None
    assert refused_month(home, "2026-11", now) is None
    assert refused_month(home, "2026-12", now) == (
        "2026-12 est en cours : un mois se clôture une fois terminé (dernier mois clôturable : 2026-11)"
    )
    assert refused_month(home, "2027-01", now).startswith("2027-01 n'a pas commencé : ")
    assert refused_month(home, "2024-10", now) == (
        "2024-10 précède le premier mois de l'association, 2024-11 (premier dossier de entrees/activite/)"
    )
    (home / "parametrage.yaml").write_text("association: {nom: x}\n")
    with pytest.raises(SettingsError):  # the command says what is wrong with the settings, not with the month
        refused_month(home, "2024-11", now)
    assert months_for(home).get_first_partition_key() == "2024-11-01"  # loading the definitions does not fail


def test_the_command_refuses_such_a_month_before_running_anything(tmp_path, capsys):
    home = folder(tmp_path, "2024-11")
    this_month = dt.datetime.now(PARIS).strftime("%Y-%m")
    assert main(["--home", str(home), "run", "--month", this_month]) == 2
    assert f"refusé : {this_month} est en cours : un mois se clôture une fois terminé" in capsys.readouterr().err
    assert main(["--home", str(home), "run", "--month", "2024-10"]) == 2
    assert "refusé : 2024-10 précède le premier mois de l'association, 2024-11" in capsys.readouterr().err
    assert not (home / "entrepot.duckdb").exists() and not (home / "dagster").exists()
