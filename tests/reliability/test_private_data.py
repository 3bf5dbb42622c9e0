"""Private data: resident names, birth dates and IBANs never reach the logs, the command's output or the
Dagster instance (event log, run records, captured output); IBANs never appear in full in the text outputs
(the invoices print only the association's); every file a close creates is readable by its owner only."""

import csv
import io
import stat

import pytest

pytestmark = pytest.mark.slow  # reads the months the reliability harness closes through Dagster


def secrets(home) -> dict[str, set[str]]:
    residents = list(csv.DictReader(io.StringIO((home / "entrees/referentiel/usagers.csv").read_text()), delimiter=";"))
    payers = list(csv.DictReader(io.StringIO((home / "entrees/referentiel/financeurs.csv").read_text()), delimiter=";"))
    ibans = {r["iban"].replace(" ", "") for r in residents + payers if r["iban"]}
    births = {r["date_naissance"] for r in residents if r["date_naissance"]}
    return {
        "nom": {f"{r['nom']} {r['prenom']}" for r in residents} | {f"{r['prenom']} {r['nom']}" for r in residents},
        "naissance": births | {"-".join(reversed(b.split("/"))) for b in births},
        "iban": ibans | {" ".join(i[k : k + 4] for k in range(0, len(i), 4)) for i in ibans},
    }


def found_in(paths, values: dict[str, set[str]]) -> list[str]:
    hits = []
    for path in paths:
        data = path.read_bytes()
        for kind, texts in values.items():
            hits += [f"{path.name}: {kind}" for text in texts if text.encode() in data]
    return hits


def test_the_fixture_has_what_it_looks_for(reference):
    values = secrets(reference)
    assert [len(values[k]) > 20 for k in ("nom", "naissance", "iban")] == [True, True, True]
    # the finder finds them where they belong: the referential, and the call list of the cell
    assert found_in([reference / "entrees/referentiel/usagers.csv"], values)


def test_no_name_birth_date_or_iban_in_logs_output_or_the_dagster_instance(reference):
    values = secrets(reference)
    dagster = [p for p in (reference / "dagster").rglob("*") if p.is_file()]
    assert any(p.name == "runs.db" for p in dagster) and len(dagster) >= 5
    logs = [reference / "sortie.txt", *(reference / "sorties").rglob("alertes.log")]
    logs += list((reference / "sorties").rglob("controles.csv")) + list((reference / "sorties").rglob("controles.html"))
    assert found_in(dagster + logs, values) == []


def test_ibans_appear_in_full_in_no_text_output(reference):
    values = secrets(reference)
    texts = [p for p in (reference / "sorties").rglob("*") if p.suffix in (".csv", ".html", ".txt", ".log")]
    assert len(texts) > 20
    assert found_in(texts, {"iban": values["iban"]}) == []
    queue = (reference / "sorties/2024-12/lettrage/non_rapproches.csv").read_text(encoding="utf-8-sig").splitlines()
    masked = [line for line in queue[1:] if "FR76" in line]
    assert all("*" * 10 in line for line in masked)


def test_files_of_a_close_are_readable_by_their_owner_only(reference):
    created = [reference / "entrepot.duckdb", *(reference / "sorties").rglob("*"), *(reference / "dagster").rglob("*")]
    assert len(created) > 100
    loose = [str(p.relative_to(reference)) for p in created if stat.S_IMODE(p.stat().st_mode) & 0o077]
    assert loose == []


@pytest.mark.parametrize("value", ["FR7630006000011234567890189", "FR76 3000 6000 0112 3456 7890 189"])
def test_the_finder_would_see_an_iban_written_in_a_log(tmp_path, value):
    log = tmp_path / "alertes.log"
    log.write_text(f"ligne rejetée : {value}\n")
    assert found_in([log], {"iban": {value}}) == ["alertes.log: iban"]
