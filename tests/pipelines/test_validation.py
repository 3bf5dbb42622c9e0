"""The month close in three steps (docs/rules.md "Validation before issuing"): the préparation numbers nothing,
a person validates some establishments, the émission issues those alone, and the establishments held (by a
control, for want of a validation, or changed since theirs) are named and issued at a later validation, the
numbering running on without a gap."""

import csv
import datetime as dt
from decimal import Decimal

import pytest

from assets.billing.validation import ValidationError, validate
from assets.common.resources import DATE_TAG, timestamp
from assets.common.warehouse import Warehouse
from demo.generator import generate, write_activity, write_referential, write_settings
from pipelines.close import CLOSE_MONTH_JOB, prepare_month, run_month, validate_and_issue

pytestmark = pytest.mark.slow  # closes a month through Dagster, five times

MONTH = "2024-11"
D1, D2 = dt.date(2024, 12, 5), dt.date(2024, 12, 9)


def rows(path):
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def states(home):
    return {r["code_etablissement"]: r["etat"] for r in rows(prefacturation(home) / "etablissements.csv")}


def prefacturation(home):
    return home / "sorties" / MONTH / "prefacturation"


def documents(home):
    with Warehouse(home / "entrepot.duckdb").connect() as con:
        return con.execute(
            "SELECT number, establishment_code, issue_date, amount FROM documents ORDER BY series, seq"
        ).fetchall()


def extract(home, code):
    return home / "entrees" / "activite" / MONTH / f"activite_{code}_{MONTH}.csv"


def test_prepare_validate_some_then_the_rest(tmp_path, monkeypatch):
    demo = generate("demo", 66)
    home = tmp_path / "home"
    write_settings(home, demo)
    write_referential(home, demo, D1)
    write_activity(home, MONTH, demo.activity[MONTH])
    fh01 = extract(home, "FH01").read_bytes()
    extract(home, "FH01").write_bytes(fh01 + fh01.splitlines(keepends=True)[-1])  # a day twice: activite_doublons

    # 1. the préparation: a draft per establishment, nothing numbered; FH01 held by its duplicates
    prepared = prepare_month(home, MONTH)
    assert prepared.exit_code == 1 and [c for c, _ in prepared.failed_controls] == ["activite_doublons"]
    assert documents(home) == []
    assert states(home) == {
        "ESAT01": "rien à émettre",
        "FAM01": "à valider",
        "FH01": "retenu : activite_doublons",
        "FV01": "à valider",
        "IME01": "à valider",
        "MAS01": "à valider",
    }
    drafted = rows(prefacturation(home) / "documents.csv")
    lines = rows(prefacturation(home) / "lignes.csv")
    by_etab = {r["code_etablissement"]: Decimal(r["montant_prevu"].replace(",", ".")) for r in
               rows(prefacturation(home) / "etablissements.csv")}  # fmt: skip
    for code in ("FAM01", "FV01", "IME01", "MAS01"):
        in_docs = sum(Decimal(r["montant"].replace(",", ".")) for r in drafted if r["code_etablissement"] == code)
        in_lines = sum(Decimal(r["montant"].replace(",", ".")) for r in lines if r["code_etablissement"] == code)
        assert in_docs == in_lines == by_etab[code] > 0
    page = (prefacturation(home) / "prefacturation.html").read_text(encoding="utf-8")
    assert page.index("Liste de suivi du mois") < page.index("Contrôles") < page.index("Documents à émettre")
    assert 'id="etab-FH01"' in page and "retenu : activite_doublons" in page
    first_line = lines[0]
    assert f"<tr><td>{first_line['id_usager']}</td>" in page  # the lines, by resident identifier

    # refusals, nothing recorded: a date before the month's end unconfirmed, a held or unknown establishment
    with Warehouse(home / "entrepot.duckdb").transaction() as con:
        with pytest.raises(ValidationError, match="antérieure à la fin du mois 2024-11"):
            validate(con, MONTH, ["FAM01"], "Claire Martin", dt.date(2024, 11, 20), False, timestamp())
        with pytest.raises(ValidationError, match="validation sans nom"):
            validate(con, MONTH, ["FAM01"], " ", D1, False, timestamp())
        refused = validate(con, MONTH, ["FH01", "XX99"], "Claire Martin", D1, False, timestamp())
        assert refused.validated == [] and refused.refused == {
            "FH01": "retenu par le(s) contrôle(s) : activite_doublons",
            "XX99": "établissement inconnu de la préparation du mois",
        }

    # 2. two establishments validated and issued; the others held, named
    first = validate_and_issue(home, MONTH, ["FAM01", "IME01"], "Claire Martin", D1)
    assert first.exit_code == 1 and first.failed_controls == [("activite_doublons", first.failed_controls[0][1])]
    assert first.held == {"FH01": "retenu : activite_doublons", "FV01": "à valider", "MAS01": "à valider"}
    issued = documents(home)
    assert {e for _, e, _, _ in issued} == {"FAM01", "IME01"} and {d for _, _, d, _ in issued} == {D1}
    n = len(issued)
    assert [x[0] for x in issued] == [f"F2024-{i:06d}" for i in range(1, n + 1)]
    assert sum(a for *_, a in issued) == by_etab["FAM01"] + by_etab["IME01"]

    # 3. FV01 validated, then its extract changes: held at the émission; MAS01 issued, numbers running on
    with Warehouse(home / "entrepot.duckdb").transaction() as con:
        assert validate(con, MONTH, ["FV01"], "Claire Martin", D1, False, timestamp()).validated == ["FV01"]
    fv01 = extract(home, "FV01").read_bytes()
    extract(home, "FV01").write_bytes(b"".join(fv01.splitlines(keepends=True)[:-1]))
    monkeypatch.setattr("assets.billing.prefacturation.HTML_LINES", 1)  # a large month: the page lists documents
    second = validate_and_issue(home, MONTH, ["MAS01"], "Paul Roig", D1)
    page = (prefacturation(home) / "prefacturation.html").read_text(encoding="utf-8")
    left = rows(prefacturation(home) / "lignes.csv")
    assert f"{len(left)} lignes : elles sont dans" in page and "<th>Usager</th>" not in page
    assert {r["code_etablissement"] for r in left} == {"FV01"}  # left to issue (FH01's days are held, unvalued)
    assert second.held["FV01"] == "modifié depuis sa validation : à valider de nouveau"
    assert set(second.held) == {"FH01", "FV01"}
    issued = documents(home)
    assert {e for _, e, _, _ in issued[n:]} == {"MAS01"}
    m = len(issued)
    assert [x[0] for x in issued] == [f"F2024-{i:06d}" for i in range(1, m + 1)]

    # no émission without a validation: the close job alone numbers nothing more
    alone = run_month(home, MONTH, CLOSE_MONTH_JOB, {DATE_TAG: D2.isoformat()})
    assert alone.held.keys() == {"FH01", "FV01"} and len(documents(home)) == m

    # 4. FH01's extract corrected; prepared again, everything validated: the held ones issued on D2
    extract(home, "FH01").write_bytes(fh01)
    assert prepare_month(home, MONTH).exit_code == 0
    assert states(home)["FV01"] == "modifié depuis sa validation : à valider de nouveau"
    assert states(home)["FH01"] == "à valider"
    last = validate_and_issue(home, MONTH, None, "Claire Martin", D2)
    assert last.exit_code == 0 and last.held == {}
    issued = documents(home)
    assert [x[0] for x in issued] == [f"F2024-{i:06d}" for i in range(1, len(issued) + 1)]
    assert {e for _, e, _, _ in issued[m:]} == {"FH01", "FV01"} and {d for _, _, d, _ in issued[m:]} == {D2}
    assert set(states(home).values()) == {"émis", "validé, rien à émettre"}
    with Warehouse(home / "entrepot.duckdb").connect() as con:
        due = con.execute("SELECT sum(amount) FROM due_lines WHERE month = $m", {"m": MONTH}).fetchone()[0]
        assert sum(a for *_, a in issued) == due
        (ok,) = con.execute(
            "SELECT status FROM control_results WHERE month = $m AND control = 'valorisation_facturation'",
            {"m": MONTH},
        ).fetchone()
        assert ok == "ok"
    report = (home / "sorties" / MONTH / "rapports" / "direction.html").read_text(encoding="utf-8")
    assert 'id="retenus"' not in report
