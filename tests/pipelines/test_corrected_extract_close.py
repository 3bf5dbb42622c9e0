"""docs/rules.md B12 through the Dagster job: a corrected extract dropped in January's folder once January and
February are closed is read by the close of March, controlled as at its first reading, and its difference issued
by that close, on its date; the same close run again issues nothing; a bad row of a corrected extract is set aside
and the control names the month and file it came from."""

import datetime as dt
from decimal import Decimal

import dagster as dg
import pytest

from assets.common.warehouse import Warehouse
from pipelines.close import close_month
from tests.conftest import REFERENTIAL, write_activity, write_home

pytestmark = pytest.mark.slow  # closes months through Dagster

REFERENTIAL_FH01 = {
    **REFERENTIAL,
    "financeurs.csv": "code_financeur;nom;type;siret;code_service\n"
    "D66;Département 66;departement;22660001300016;ASE\nCPAM66;CPAM;assurance_maladie;18007000100018;\n",
    "sejours.csv": "id_usager;code_etablissement;date_entree;date_sortie;modalite\n"
    "000001;FH01;01/01/2024;;internat\n000002;FH01;01/01/2024;;internat\n",
    "prises_en_charge.csv": "id_usager;code_financeur;code_etablissement;date_debut;date_fin;statut\n"
    "000001;D66;FH01;01/01/2024;;accordee\n000002;D66;FH01;01/01/2024;;accordee\n",
    "contributions.csv": "id_usager;date_debut;date_fin;montant_mensuel\n",
}
CLOSES = {"2025-01": dt.date(2025, 2, 5), "2025-02": dt.date(2025, 3, 5), "2025-03": dt.date(2025, 4, 5)}
LAST_DAY = {"2025-01": 31, "2025-02": 28, "2025-03": 31}


def extract(month: str, first_resident_days: int | None = None, extra: str = "") -> str:
    """FH01's extract: both residents present every day (000001 `first_resident_days` days only)."""
    last = LAST_DAY[month]
    lines = ["code_etablissement;id_usager;date;code"]
    lines += [f"FH01;000001;{month}-{d:02d};P" for d in range(1, (first_resident_days or last) + 1)]
    lines += [f"FH01;000002;{month}-{d:02d};P" for d in range(1, last + 1)]
    return "\n".join(lines) + "\n" + extra


def query(home, sql: str, params: list | None = None) -> list[tuple]:
    with Warehouse(home / "entrepot.duckdb").connect() as con:
        return con.execute(sql, params or []).fetchall()


def register(home, month: str) -> list[str]:
    text = (home / "sorties" / month / "factures" / "registre.csv").read_text(encoding="utf-8-sig")
    return text.splitlines()[1:]


def test_a_corrected_january_extract_is_read_controlled_and_billed_by_the_close_of_march(tmp_path):
    home = write_home(tmp_path / "home", REFERENTIAL_FH01)
    write_activity(home, "2025-01", "fh01.csv", extract("2025-01", first_resident_days=30))  # the 31st forgotten
    write_activity(home, "2025-02", "fh01.csv", extract("2025-02"))
    write_activity(home, "2025-03", "fh01.csv", extract("2025-03"))
    with dg.DagsterInstance.ephemeral() as instance:
        for month in ("2025-01", "2025-02"):
            done = close_month(home, month, CLOSES[month], instance=instance)
            assert (done.exit_code, done.failed_controls) == (0, []), done.errors
        assert query(home, "SELECT number, service_month, amount FROM documents ORDER BY number") == [
            ("F2025-000001", "2025-01", Decimal("9296.40")),  # 61 days x 152.40
            ("F2025-000002", "2025-02", Decimal("8534.40")),  # 56 days
        ]

        # January's extract corrected once January is closed: the 31st for 000001; March closed, not January
        write_activity(home, "2025-01", "fh01.csv", extract("2025-01"))
        march = close_month(home, "2025-03", CLOSES["2025-03"], instance=instance)
        assert (march.exit_code, march.failed_controls) == (0, []), march.errors
        assert register(home, "2025-03") == [
            "F2025-000003;facture;2025-04-05;2025-05-05;2025-01;FH01;D66;152,40;F2025-000001;complementaire",
            "F2025-000004;facture;2025-04-05;2025-05-05;2025-03;FH01;D66;9448,80;;initiale",  # 62 days
        ]
        lines = query(home, "SELECT resident_id, category, quantity, amount FROM document_lines WHERE number = ?",
                      ["F2025-000003"])  # fmt: skip
        assert lines == [("000001", "presence", 1, Decimal("152.40"))]
        assert query(home, "SELECT count(*) FROM activity_days WHERE month = '2025-01'") == [(62,)]
        files = query(
            home, "SELECT status, detail FROM control_results WHERE month = '2025-03' "
            "AND control = 'activite_fichiers_lisibles'"
        )  # fmt: skip
        assert files == [
            ("ok", "2025-03 : 1 fichier(s) lu(s) ; extrait corrigé de 2025-01 (activite/2025-01/fh01.csv) : "
             "1 fichier(s) lu(s)")
        ]  # fmt: skip

        # March closed again with nothing changed: nothing read again, nothing issued
        again = close_month(home, "2025-03", CLOSES["2025-03"], instance=instance)
        assert (again.exit_code, again.failed_controls) == (0, [])
        assert query(home, "SELECT count(*) FROM documents") == [(4,)]
        assert len(register(home, "2025-03")) == 2

        # corrected once more, with a row of February in it: set aside, named with its month, file and line
        write_activity(home, "2025-01", "fh01.csv", extract("2025-01", extra="FH01;000002;2025-02-01;P\n"))
        bad = close_month(home, "2025-03", CLOSES["2025-03"], instance=instance)
        assert (bad.exit_code, bad.failed_controls) == (0, [])  # a warning, as at a first reading
        assert query(home, "SELECT month, path, line, column_name, value, reason FROM quarantine") == [
            ("2025-01", "activite/2025-01/fh01.csv", 64, "date", "2025-02-01", "date hors du mois 2025-01")
        ]
        rejected = query(
            home, "SELECT status, detail, examples FROM control_results WHERE month = '2025-03' "
            "AND control = 'activite_lignes_rejetees'"
        )  # fmt: skip
        assert rejected[0][:2] == (
            "echec",
            "2025-03 : aucune ligne écartée ; extrait corrigé de 2025-01 (activite/2025-01/fh01.csv) : 1 ligne(s) "
            "écartée(s), 0 valeur(s) ignorée(s) sur des lignes conservées",
        )
        assert '"mois": "2025-01", "fichier": "activite/2025-01/fh01.csv", "ligne": 64' in rejected[0][2]
        controls = (home / "sorties" / "2025-03" / "controles" / "controles.csv").read_text(encoding="utf-8-sig")
        assert "extrait corrigé de 2025-01 (activite/2025-01/fh01.csv) : 1 ligne(s) écartée(s)" in controls
        assert query(home, "SELECT count(*) FROM documents") == [(4,)]
