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
    for month in ("2024-11", "2024-12"):
        assert any(line.startswith(f"{month} : clôturé en ") for line in lines)
        controls = (home / "sorties" / month / "controles" / "controles.csv").read_text(encoding="utf-8").splitlines()
        assert controls[0] == "\ufeffcontrole;severite;statut;valeur;detail" and len(controls) == CONTROLS + 1
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


@pytest.mark.e2e
def test_fec_check_and_unlock_speak_plainly(tmp_path):
    import datetime as dt
    from decimal import Decimal

    from assets.accounting.fec import FecLine, write_fec

    day = dt.date(2026, 3, 5)
    lines = [
        FecLine("VT", "Ventes", "VT-2026-000001", day, "411", "Clients", "D66", "Département 66", "F2026-000001",
                day, "Facture F2026-000001", Decimal("10.00"), Decimal("0"), valid_date=day),
        FecLine("VT", "Ventes", "VT-2026-000001", day, "7342", "Produits", "", "", "F2026-000001",
                day, "Facture F2026-000001", Decimal("0"), Decimal("10.00"), valid_date=day),
    ]  # fmt: skip
    good = tmp_path / "ok.txt"
    good.write_bytes(write_fec(lines))
    done = run("fec-check", str(good), home=tmp_path)
    assert (done.returncode, done.stdout.splitlines()[-1]) == (0, "conforme")
    assert "ok.txt : 2 ligne(s), 1 écriture(s), débit 10,00\xa0€, crédit 10,00\xa0€" in done.stdout
    bad = tmp_path / "bad.txt"
    bad.write_bytes(good.read_bytes().replace(b"|0,00|10,00|", b"|0,00|12,00|"))
    failed = run("fec-check", str(bad), home=tmp_path)
    assert (
        failed.returncode == 1 and "  B01 (erreur) : bad.txt, lignes 2, 3 : écriture VT VT-2026-000001" in failed.stdout
    )
    refused = run("unlock", "--month", "2026-03", "--motif", "test", home=tmp_path)
    assert refused.returncode == 1 and refused.stderr.strip() == "refusé : 2026-03 n'est pas verrouillé"
