"""Issue 24: every input saved by Excel, its identifiers without their leading zeros, closes the month exactly as
the clean files do. Closing March after January and February with usagers.csv saying 178 for 000178 credited
the two months already billed (0 € for a resident nobody knew any more); the payer codes of the operator's files
(`U1` for `U000001`) named nobody."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import dagster as dg
import pytest

from assets.common.warehouse import Warehouse
from pipelines.close import close_month
from tests.conftest import REFERENTIAL, write_activity, write_home

pytestmark = pytest.mark.slow  # closes months through Dagster


D = dt.date
CLOSES = {"2025-01": D(2025, 2, 5), "2025-02": D(2025, 3, 5), "2025-03": D(2025, 4, 4)}
# D66 as a code of digits: Excel drops its zero too; the public payers with their SIRET (they get Factur-X)
CLEAN = {name: text.replace("D66", "066") for name, text in REFERENTIAL.items()} | {
    "financeurs.csv": "code_financeur;nom;type;siret\n066;Département 66;departement;22660000100011\n"
    "CPAM66;CPAM;assurance_maladie;18066000100017\n"
}
ID_COLUMNS = {"id_usager", "code_financeur", "payeur", "cible", "numero_piece"}
RECEIPTS = "date;montant;mode;payeur;reference;numero_piece\n"
CALLS = "date;cible;interlocuteur;resultat;date_promesse;montant_promis;commentaire\n"


def activity(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:])
    last = (D(year + mon // 12, mon % 12 + 1, 1) - dt.timedelta(days=1)).day
    rows = ["code_etablissement;id_usager;date;code"]
    rows += [f"FH01;000001;{d:02d}/{mon:02d}/{year};{'H' if d in (8, 9) else 'P'}" for d in range(1, last + 1)]
    rows += [f"FH01;000002;{d:02d}/{mon:02d}/{year};P" for d in range(1, 10)]
    if month == "2025-03":
        rows += [f"IME01;000003;{d:02d}/03/2025;P" for d in range(3, 32) if D(2025, 3, d).weekday() < 5]
    return "\n".join(rows) + "\n"


def as_excel_saves(text: str) -> bytes:
    """`text` as Excel saves it again: digit identifiers without their leading zeros (and the operator's
    `U1` for `U000001`), Windows-1252, CRLF."""
    reader = csv.reader(io.StringIO(text), delimiter=";")
    header = next(reader)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in reader:
        for i, column in enumerate(header):
            value = row[i]
            if column in ID_COLUMNS and value.isdigit():
                row[i] = value.lstrip("0") or "0"
            elif column in {"payeur", "cible"} and value[:1] == "U" and value[1:].isdigit():
                row[i] = "U" + value[1:].lstrip("0")
        writer.writerow(row)
    return out.getvalue().encode("windows-1252")


def drop(home: Path, relative: str, content: str | bytes) -> None:
    path = home / "entrees" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)


def close(home: Path, month: str) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        result = close_month(home, month, CLOSES[month], instance=instance)
    assert (result.exit_code, result.failed_controls, result.errors) == (0, [], []), month


def query(home: Path, sql: str, params: dict | None = None) -> list[tuple]:
    with Warehouse(home / "entrepot.duckdb").connect() as con:
        return con.execute(sql, params or {}).fetchall()


def contribution(home: Path, month: str) -> str:
    sql = "SELECT amount FROM documents WHERE payer_code = 'U000001' AND service_month = $month"
    ((amount,),) = query(home, sql, {"month": month})
    return str(amount).replace(".", ",")


@pytest.fixture(scope="module")
def closed(tmp_path_factory) -> tuple[Path, Path]:
    """January and February closed from the clean files (the February receipts file paying January's
    contribution by cheque 0012345), then March closed twice from copies: from the clean files, and from the
    same files as Excel saves them, the referential, March's extract, February's extract dropped again, the
    receipts file and the phone log included."""
    root = tmp_path_factory.mktemp("excel")
    base = write_home(root / "base", CLEAN)
    for month in ("2025-01", "2025-02"):
        write_activity(base, month, "fh01.csv", activity(month))
        if month == "2025-02":
            drop(
                base,
                "encaissements/saisie.csv",
                RECEIPTS + f"20/02/2025;{contribution(base, '2025-01')};cheque;U000001;;0012345\n",
            )
        close(base, month)
    receipts = (base / "entrees" / "encaissements" / "saisie.csv").read_text()
    receipts += f"21/03/2025;{contribution(base, '2025-02')};virement;U000001;virement mars;\n"
    calls = CALLS + "15/03/2025;U000001;sa fille;promesse;30/04/2025;100,00;\n"
    calls += "16/03/2025;066;service ASE;litige;;;\n"  # holds the département's overdue invoice
    homes = []
    for name, saved in (("propre", str.encode), ("excel", as_excel_saves)):
        home = root / name
        shutil.copytree(base, home)
        shutil.rmtree(home / "dagster", ignore_errors=True)
        for file, text in CLEAN.items():
            drop(home, f"referentiel/{file}", saved(text))
        drop(home, "activite/2025-02/fh01.csv", saved(activity("2025-02")))
        drop(home, "activite/2025-03/etablissements.csv", saved(activity("2025-03")))
        drop(home, "encaissements/saisie.csv", saved(receipts))
        drop(home, "relances/appels.csv", saved(calls))
        close(home, "2025-03")
        homes.append(home)
    return homes[0], homes[1]


BOOKS = {
    "documents": "SELECT number, type, nature, issue_date, due_date, service_month, establishment_code, payer_code, "
    "payer_type, amount, original_number FROM documents",
    "document_lines": "SELECT number, line_no, resident_id, resident_name, category, quantity, unit_price, amount "
    "FROM document_lines",
    "residents": "SELECT * FROM residents",
    "stays": "SELECT * FROM stays",
    "funding_decisions": "SELECT * FROM funding_decisions",
    "contributions": "SELECT * FROM contributions",
    "payers": "SELECT * FROM payers",
    "activity_days": "SELECT month, establishment_code, resident_id, day, code, held FROM activity_days",
    "valued_days": "SELECT * FROM valued_days",
    "bank_lines": "SELECT line_id, booking_date, amount, payer_hint FROM bank_lines",
    "allocations": "SELECT seq, line_id, number, amount, rule, allocated_on, run_month FROM allocations",
    "call_log": "SELECT day, target, result, promise_date, promised FROM call_log",
    "dunning_holds": "SELECT * FROM dunning_holds",
    "entries": "SELECT export_month, journal, entry_num, line_no, entry_date, account, aux, aux_label, piece_ref, "
    "label, debit, credit, letter, letter_date, kind, source FROM entries",
}


@pytest.mark.parametrize("table", BOOKS)
def test_the_books_are_those_of_the_clean_files(closed, table):
    clean, excel = closed
    expected = query(clean, BOOKS[table] + " ORDER BY ALL")
    assert expected, table  # the comparison says something
    assert query(excel, BOOKS[table] + " ORDER BY ALL") == expected


def test_no_resident_is_credited_and_the_ids_keep_their_zeros(closed):
    clean, excel = closed
    assert query(excel, "SELECT count(*) FROM documents WHERE type = 'avoir'") == [(0,)]
    assert query(excel, "SELECT DISTINCT id FROM residents ORDER BY 1") == [("000001",), ("000002",), ("000003",)]
    assert query(excel, "SELECT DISTINCT code FROM payers ORDER BY 1") == [("066",), ("CPAM66",)]
    # the receipt of March, its payer written U1, is the resident's and pays February's contribution
    assert query(excel, "SELECT payer_hint, rule FROM bank_lines JOIN allocations USING (line_id) ORDER BY seq") == [
        ("U000001", "payeur_montant"),
        ("U000001", "payeur_montant"),
    ]


@pytest.mark.parametrize(
    "relative",
    [
        "factures/registre.csv",
        "factures/lignes.csv",
        "factures/en_attente.csv",
        "portail/etat_mensuel_066.csv",
        "lettrage/rapprochements.csv",
        "lettrage/non_rapproches.csv",
        "recouvrement/balance_agee.csv",
        "recouvrement/appels_a_passer.csv",
        "recouvrement/relances.csv",
        "recouvrement/contentieux.csv",
        "comptabilite/ecritures_2025-03.txt",
    ],
)
def test_the_months_files_are_those_of_the_clean_files(closed, relative):
    clean, excel = closed
    expected = (clean / "sorties" / "2025-03" / relative).read_bytes()
    assert (excel / "sorties" / "2025-03" / relative).read_bytes() == expected
