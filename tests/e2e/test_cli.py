"""The `recettes` command as a newcomer runs it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.definitions import defs

CONTROLS = len(defs.resolve_asset_graph().asset_check_keys)  # every check records one control

RECETTES = str(Path(sys.executable).parent / "recettes")


def run(*args, home: Path, timeout=600):
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME",)}
    env["RECETTES_HOME"] = str(home)
    return subprocess.run([RECETTES, *args], env=env, capture_output=True, text=True, timeout=timeout)


@pytest.mark.e2e
def test_demo_closes_its_first_months(tmp_path):
    home = tmp_path / "var"
    done = run("demo", "--mois", "2", home=home)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"Association de démonstration dans {home} : ")
    assert lines[0].endswith("clôture de 2 mois (2024-11 à 2024-12).")
    assert any(line.startswith("2024-11 : clôturé en ") for line in lines)
    assert any(line.startswith("2024-12 : clôturé en ") for line in lines)
    for month in ("2024-11", "2024-12"):
        controls = (home / "sorties" / month / "controles" / "controles.csv").read_text().splitlines()
        assert controls[0] == "controle;severite;statut;valeur;detail" and len(controls) == CONTROLS + 1
    assert (home / "dagster" / "dagster.yaml").read_text().count("default_limit: 1") == 1
    assert len(list((home / "dagster").glob("**/runs.db"))) == 1  # the run history lives with the data
    assert "Stack Trace" not in done.stdout + done.stderr


@pytest.mark.e2e
def test_generate_then_run_a_blocked_month_names_the_control(tmp_path):
    home = tmp_path / "var"
    gen = run("generate", "--scale", "demo", "--seed", "66", home=home)
    assert gen.returncode == 0, gen.stderr
    assert len(list((home / "entrees" / "activite").iterdir())) == 24
    blocked = run("run", "--month", "2025-09", "--date-emission", "2025-10-05", home=home)
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "2025-09 : BLOQUÉ en " in blocked.stdout
    assert "  contrôle bloquant en échec : activite_doublons — 2 ligne(s) pour un même usager" in blocked.stdout
    assert f"  détail : {home}/sorties/2025-09/controles/controles.csv" in blocked.stdout


@pytest.mark.e2e
def test_bad_arguments_and_bad_settings_are_explained(tmp_path):
    bad_month = run("run", "--month", "2025-13", home=tmp_path)
    assert bad_month.returncode == 2
    assert "mois attendu au format AAAA-MM, lu : '2025-13'" in bad_month.stderr
    (tmp_path / "parametrage.yaml").write_text("association: {nom: x}\nfjh: []\n")
    from demo.generator import generate, write_referential

    write_referential(tmp_path, generate("demo", 66), __import__("datetime").date(2024, 12, 5))
    bad_settings = run("run", "--month", "2024-11", home=tmp_path)
    assert bad_settings.returncode == 2
    assert "clé « association.siret » : clé obligatoire absente" in bad_settings.stdout + bad_settings.stderr
