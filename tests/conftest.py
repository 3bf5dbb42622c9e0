import datetime as dt
from pathlib import Path

import pytest

from assets.common.warehouse import Warehouse

SETTINGS = """association:
  nom: Association test
  siret: "12345678901234"
  adresse: 1 rue du Test, 66000 Perpignan
  iban: FR7630006000011234567890189
  bic: AGRIFRPP
"""
REFERENTIAL = {
    "etablissements.csv": "code_etablissement;nom;type;capacite\nFH01;Foyer Les Albères;FH;2\nIME01;IME;IME;10\n",
    "financeurs.csv": "code_financeur;nom;type\nD66;Département 66;departement\nCPAM66;CPAM;assurance_maladie\n",
    "usagers.csv": "id_usager;nom;prenom\n000001;DURAND;Léa\n000002;MAS;Pere\n000003;ROIG;Núria\n",
    "sejours.csv": "id_usager;code_etablissement;date_entree;date_sortie;modalite\n"
    "000001;FH01;01/01/2024;;internat\n000002;FH01;2024-01-01;2025-03-10;internat\n"
    "000003;IME01;2025-03-03;;semi_internat\n",
    "prises_en_charge.csv": "id_usager;code_financeur;code_etablissement;date_debut;date_fin;statut\n"
    "000001;D66;FH01;01/01/2024;;accordee\n000002;D66;FH01;01/01/2024;;en_instruction\n"
    "000003;CPAM66;IME01;03/03/2025;;accordee\n",
    "tarifs.csv": "code_etablissement;modalite;date_debut;date_fin;prix_journee;nature\n"
    "FH01;internat;01/01/2025;;152,40;reconduit\nIME01;semi_internat;01/01/2025;;189,60;definitif\n",
    "contributions.csv": "id_usager;date_debut;date_fin;montant_mensuel\n000001;01/01/2025;;456,78\n",
}


def write_home(home: Path, referential: dict[str, str] | None = None) -> Path:
    (home / "entrees" / "referentiel").mkdir(parents=True, exist_ok=True)
    (home / "parametrage.yaml").write_text(SETTINGS, encoding="utf-8")
    for name, text in (referential or REFERENTIAL).items():
        (home / "entrees" / "referentiel" / name).write_text(text, encoding="utf-8")
    return home


def write_activity(home: Path, month: str, name: str, content: str | bytes) -> Path:
    folder = home / "entrees" / "activite" / month
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def march_fh01(days=range(1, 32), code="P") -> str:
    lines = ["code_etablissement;id_usager;date;code"]
    lines += [f"FH01;000001;{d:02d}/03/2025;{code}" for d in days]
    lines += [f"FH01;000002;2025-03-{d:02d};P" for d in range(1, 11)]
    return "\n".join(lines) + "\n"


@pytest.fixture
def home(tmp_path) -> Path:
    return write_home(tmp_path / "home")


@pytest.fixture
def warehouse(home) -> Warehouse:
    return Warehouse(home / "entrepot.duckdb")


NOW = dt.datetime(2025, 4, 5, 9, 0, 0)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The modules of end-to-end tests first, each keeping its own order. `make test` runs the suite with
    `--dist loadscope`: a worker takes a whole module at a time, so its fixtures are built once, and the
    short modules then fill in behind these long ones instead of one of them finishing alone at the end.
    Back to back on 2 cores: 12 min 24 s with `--dist load` in alphabetical order, a worker idle about 2 min
    of it; 9 min 39 s so, about 30 s."""
    heavy = {item.nodeid.split("::")[0] for item in items if item.get_closest_marker("e2e")}
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in heavy)
