"""`recettes preparer` and `recettes valider` from the command line: their options, and a validation refused as a
whole, with nothing recorded and exit 1 (docs/contract.md "Running it")."""

import datetime as dt

from assets.common.partitions import current_month
from assets.common.warehouse import Warehouse
from demo.generator import generate, write_settings
from pipelines.cli import main, parser


def test_the_options_of_preparer_and_valider():
    args = parser().parse_args(["preparer", "--month", "2024-11"])
    assert (args.command, args.month) == ("preparer", "2024-11")
    args = parser().parse_args(
        ["valider", "--month", "2024-11", "--etablissement", "FAM01", "IME01", "--par", "Claire Martin",
         "--date-emission", "2024-12-05", "--confirmer"]
    )  # fmt: skip
    assert (args.etablissement, args.par, args.date_emission, args.confirmer) == (
        ["FAM01", "IME01"],
        "Claire Martin",
        dt.date(2024, 12, 5),
        True,
    )
    args = parser().parse_args(["run", "--month", "2024-11"])
    assert (args.par, args.date_emission, args.confirmer) == (None, None, False)  # the login, today, as before


def test_validating_a_month_never_prepared_is_refused_and_records_nothing(tmp_path, capsys):
    home = tmp_path / "home"
    write_settings(home, generate("demo", 66))
    (home / "entrees" / "activite" / "2024-11").mkdir(parents=True)
    code = main(
        [
            "--home",
            str(home),
            "valider",
            "--month",
            "2024-11",
            "--par",
            "Claire Martin",
            "--date-emission",
            "2024-12-05",
        ]
    )
    assert code == 1
    assert capsys.readouterr().err == (
        "2024-11 : validation refusée — 2024-11 n'est pas préparé : lancez d'abord la préparation (recettes preparer)\n"
    )
    with Warehouse(home / "entrepot.duckdb").connect() as con:
        assert con.execute("SELECT count(*) FROM validations").fetchone() == (0,)


def test_a_month_in_progress_cannot_be_prepared(tmp_path, capsys):
    home = tmp_path / "home"
    write_settings(home, generate("demo", 66))
    (home / "entrees" / "activite" / "2024-11").mkdir(parents=True)
    month = current_month()  # in Paris time, as the partitions
    assert main(["--home", str(home), "preparer", "--month", month]) == 2
    assert capsys.readouterr().err.startswith(f"refusé : {month} est en cours : un mois se clôture une fois terminé")
