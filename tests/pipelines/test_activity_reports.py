"""The reports the director and the establishments act on (docs/rules.md "Monthly reports"), closed through
`recettes run` for January and February 2025 on a hand-computed case.

The association: FH01, a home of 10 places at 100,00 € a day, whose budget counted 1 200 days in 2025 (target
occupancy 95 %): three residents present every day, two paid for by the Département (D66), the third's file
pending (his days are held, not billed); ESAT01, funded by an allocation, 250 days forecast, one worker
present on weekdays (23 in January, 20 in February); FV01 at 150,00 € a day, no forecast, one resident who pays
for himself (no decision) and whose extract misses 28 February. previsions.csv also names an unknown
establishment (set aside). Invoices are due on their issue date (`delai_paiement_jours: 0`).

At the end of February (59 days of 365 gone):
- FH01: 2 × 28 = 56 days billed in the month, 118 in the year; forecast to date 1 200 × 59 ÷ 365 = 193,97, the
  month's 1 200 × 28 ÷ 365 = 92,05; gap −75,97 days, −7 597,00 € at 100,00 €; −39,17 %: under-activity; at
  this pace 118 × 365 ÷ 59 = 730 days; occupancy 118 ÷ (10 × 59) = 20,00 %; 59 days held (the pending file).
- ESAT01: 20 and 43 days present; forecast 40,41 to date (19,18 in the month): +2,59 days, no euros (no rate),
  +6,41 %; projection 43 × 365 ÷ 59 = 266,0 → 266.
- FV01: 27 and 58 days, no forecast; occupancy 58 ÷ (4 × 59) = 24,58 %.
- Total of FH01 and ESAT01: 76 and 161 days; 111,23 and 234,38 forecast; −73,38 days (−31,31 %), −7 597,00 €,
  996 projected, 1 450 forecast.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

from demo.bank_files import Movement, StatementData, camt053
from pipelines.cli import main

pytestmark = pytest.mark.slow  # two closes through Dagster

D = Decimal
IBAN = "FR7630006000011234567890189"
D66_IBAN = "FR7610107001011234567890129"
SETTINGS = f"""association:
  nom: Association test
  siret: "12345678901234"
  adresse: 1 rue du Test, 66000 Perpignan
  iban: {IBAN}
  bic: AGRIFRPP
delai_paiement_jours: 0
"""
REFERENTIAL = {
    "etablissements.csv": "code_etablissement;nom;type;capacite\nFH01;Foyer Les Albères;FH;10\n"
    "ESAT01;ESAT du Roussillon;ESAT;5\nFV01;Foyer de vie Le Canigou;FV;4\n",
    "financeurs.csv": f"code_financeur;nom;type;siret;iban;delai_paiement_jours\n"
    f"D66;Département 66;departement;22660000100011;{D66_IBAN};0\n",
    "usagers.csv": "id_usager;nom;prenom\n000001;DURAND;Léa\n000002;MARTIN;Paul\n000003;ROIG;Núria\n"
    "000004;SOLER;Jordi\n000005;PUIG;Marc\n",
    "sejours.csv": "id_usager;code_etablissement;date_entree;date_sortie;modalite\n"
    "000001;FH01;01/01/2025;;internat\n000002;FH01;01/01/2025;;internat\n000003;FH01;01/01/2025;;internat\n"
    "000004;ESAT01;01/01/2025;;semi_internat\n000005;FV01;01/01/2025;;internat\n",
    "prises_en_charge.csv": "id_usager;code_financeur;code_etablissement;date_debut;date_fin;statut\n"
    "000001;D66;FH01;01/01/2025;;accordee\n000002;D66;FH01;01/01/2025;;accordee\n"
    "000003;D66;FH01;01/01/2025;;en_instruction\n",
    "tarifs.csv": "code_etablissement;modalite;date_debut;date_fin;prix_journee;nature\n"
    "FH01;internat;01/01/2025;;100,00;definitif\nFV01;internat;01/01/2025;;150,00;definitif\n",
    "contributions.csv": "id_usager;date_debut;date_fin;montant_mensuel\n",
    "previsions.csv": "code_etablissement;annee;journees_previsionnelles;taux_occupation_cible\n"
    "FH01;2025;1 200;95\nESAT01;2025;250;\nXX99;2025;100;\n",
}
MONTHS = {"2025-01": dt.date(2025, 2, 5), "2025-02": dt.date(2025, 3, 5)}


def _days(month: str) -> list[dt.date]:
    first = dt.date.fromisoformat(f"{month}-01")
    return [first + dt.timedelta(days=i) for i in range(31) if (first + dt.timedelta(days=i)).month == first.month]


def _activity(home: Path, month: str) -> None:
    folder = home / "entrees" / "activite" / month
    folder.mkdir(parents=True, exist_ok=True)
    fh = ["code_etablissement;id_usager;date;code"]
    if month == "2025-02":
        fh.append("FH01;000001;31/12/2024;P")  # line 2: a date of another month, set aside
    fh += [f"FH01;{r};{d:%d/%m/%Y};P" for r in ("000001", "000002", "000003") for d in _days(month)]
    (folder / "FH01.csv").write_text("\n".join(fh) + "\n", encoding="utf-8")
    esat = [f"ESAT01;000004;{d:%d/%m/%Y};{'P' if d.weekday() < 5 else 'F'}" for d in _days(month)]
    (folder / "ESAT01.csv").write_text("code_etablissement;id_usager;date;code\n" + "\n".join(esat) + "\n")
    fv = [f"FV01;000005;{d:%d/%m/%Y};P" for d in _days(month) if d != dt.date(2025, 2, 28)]
    (folder / "FV01.csv").write_text("code_etablissement;id_usager;date;code\n" + "\n".join(fv) + "\n")


def _statement(home: Path, month: str, number: int, moves: list[Movement]) -> None:
    first, last = _days(month)[0], _days(month)[-1]
    data = StatementData(IBAN, "AGRIFRPP", "ASSOCIATION TEST", "EUR", number, first, last, D("1000.00"), tuple(moves))
    folder = home / "entrees" / "banque"
    folder.mkdir(parents=True, exist_ok=True)
    created = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(6))
    (folder / f"releve_{month}.xml").write_bytes(camt053([data], created, f"RS-{month}"))


def _run(home: Path, month: str) -> int:
    return main(["--home", str(home), "run", "--month", month, "--date-emission", MONTHS[month].isoformat()])


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


@pytest.fixture(scope="module")
def closed(tmp_path_factory):
    from assets.common.warehouse import Warehouse

    home = tmp_path_factory.mktemp("rapports") / "home"
    (home / "entrees" / "referentiel").mkdir(parents=True)
    (home / "parametrage.yaml").write_text(SETTINGS, encoding="utf-8")
    for name, text in REFERENTIAL.items():
        (home / "entrees" / "referentiel" / name).write_text(text, encoding="utf-8")
    for month in MONTHS:
        _activity(home, month)
    _statement(home, "2025-01", 1, [])
    codes = [_run(home, "2025-01")]
    with Warehouse(home / "entrepot.duckdb").connect() as con:
        (january,) = con.execute(
            "SELECT number FROM documents WHERE payer_code = 'D66' AND service_month = '2025-01'"
        ).fetchone()
    _statement(home, "2025-02", 2, [
        Movement(dt.date(2025, 2, 20), D("6200.00"), "VIR SEPA RECU", f"REGLEMENT {january}", "V1",
                 "DEPARTEMENT 66", D66_IBAN),
    ])  # fmt: skip
    codes.append(_run(home, "2025-02"))
    return home, codes


def test_the_closes_end_with_warnings_only(closed):
    _, codes = closed
    assert codes == [0, 0]


def test_activity_against_forecast_to_the_hundredth_of_a_day_and_the_cent(closed):
    home, _ = closed
    rows = _rows(home / "sorties" / "2025-02" / "rapports" / "activite.csv")
    keep = [
        "code_etablissement", "journees_mois", "previsions_mois", "ecart_mois", "journees_cumul", "previsions_cumul",
        "ecart_journees", "ecart_pct", "tarif", "ecart_euros", "projection_annuelle", "journees_previsionnelles",
        "taux_occupation_cumul", "taux_occupation_cible", "journees_en_attente", "sous_activite",
    ]  # fmt: skip
    assert [[r[k] for k in keep] for r in rows] == [
        ["ESAT01", "20", "19,18", "0,82", "43", "40,41", "2,59", "6,41", "", "", "266", "250", "", "", "0", "non"],
        ["FH01", "56", "92,05", "-36,05", "118", "193,97", "-75,97", "-39,17", "100,00", "-7597,00", "730", "1200",
         "20,00", "95,00", "59", "oui"],
        ["FV01", "27", "", "", "58", "", "", "", "150,00", "", "", "", "24,58", "", "0", ""],
        ["TOTAL", "76", "111,23", "-35,23", "161", "234,38", "-73,38", "-31,31", "", "-7597,00", "996", "1450", "",
         "", "", ""],
    ]  # fmt: skip


def test_the_director_sees_the_gap_and_the_control_warns(closed):
    home, _ = closed
    html = (home / "sorties" / "2025-02" / "rapports" / "direction.html").read_text(encoding="utf-8")
    figures = dict(re.findall(r'data-figure="([^"]+)">(?:<strong>)?([^<]*)<', html))
    assert figures["ecart_journees_FH01"] == "-75,97"
    assert figures["ecart_euros_FH01"] == "-7\u202f597,00 €"
    assert figures["ecart_journees_ESAT01"] == "2,59" and figures["ecart_euros_ESAT01"] == "–"
    assert figures["ecart_journees_total"] == "-73,38" and figures["ecart_euros_total"] == "-7\u202f597,00 €"
    assert 'href="etablissements/FH01.html"' in html
    controls = {r["controle"]: r for r in _rows(home / "sorties" / "2025-02" / "controles" / "controles.csv")}
    under = controls["activite_sous_prevision"]
    assert (under["severite"], under["statut"], under["valeur"]) == ("avertissement", "echec", "1")
    assert "FH01 (-39,17 %)" in under["detail"]
    rejected = controls["previsions_lignes_rejetees"]
    assert (rejected["statut"], rejected["valeur"]) == ("echec", "1")
    january = {r["controle"]: r for r in _rows(home / "sorties" / "2025-01" / "controles" / "controles.csv")}
    assert january["activite_sous_prevision"]["statut"] == "echec"  # 62 billed of 101,92 expected in January


def test_the_year_by_establishment_payer_and_month(closed):
    home, _ = closed
    assert _rows(home / "sorties" / "2025-02" / "rapports" / "annee_2025.csv") == [
        {"code_etablissement": e, "code_financeur": p, "type_financeur": t, "mois": m, "jours_factures": days,
         "facture": billed, "regularisations": "0,00", "encaissements": received}
        for e, p, t, m, days, billed, received in (
            ("FH01", "D66", "departement", "2025-01", "62", "6200,00", "0,00"),
            ("FH01", "D66", "departement", "2025-02", "56", "5600,00", "6200,00"),
            ("FV01", "U000005", "usager", "2025-01", "31", "4650,00", "0,00"),
            ("FV01", "U000005", "usager", "2025-02", "27", "4050,00", "0,00"),
        )
    ]  # fmt: skip
    page = (home / "sorties" / "2025-02" / "rapports" / "annee_2025.html").read_text(encoding="utf-8")
    figures = dict(re.findall(r'data-figure="([^"]+)">([^<]*)<', page))
    assert figures["annee_journees_FH01"] == "118" and figures["annee_facture_FH01"] == "11\u202f800,00 €"
    assert figures["annee_journees_ESAT01"] == "43"  # days present: an allocation bills none
    assert (home / "sorties" / "2025-01" / "rapports" / "annee_2025.html").exists()


def test_one_page_per_establishment_with_what_to_correct(closed):
    home, _ = closed
    folder = home / "sorties" / "2025-02" / "rapports" / "etablissements"
    assert sorted(p.name for p in folder.iterdir()) == ["ESAT01.html", "FH01.html", "FV01.html"]
    fh = (folder / "FH01.html").read_text(encoding="utf-8")
    figures = dict(re.findall(r'data-figure="([^"]+)">([^<]*)<', fh))
    assert (figures["journees_mois"], figures["journees_cumul"], figures["previsions_cumul"]) == ("56", "118", "193,97")
    assert figures["ecart_euros"] == "-7\u202f597,00 €" and figures["projection"] == "730"
    billed = r'data-figure="facture"><strong>([^<]*)<'
    assert re.findall(billed, fh) == ["5\u202f600,00 €"]  # February's 56 days at 100 €: its own documents only
    rejected = re.findall(
        r'<tr class="rejet"><td>([^<]*)</td><td class="num">(\d+)</td><td>([^<]*)</td>\s*<td>([^<]*)<', fh
    )
    assert rejected == [("activite/2025-02/FH01.csv", "2", "date", "date hors du mois 2025-02 (ligne écartée)")]
    held = re.findall(r'<tr class="en-attente"><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>', fh)
    assert held == [("000003", "D66", "janvier 2025"), ("000003", "D66", "février 2025")]
    assert "ROIG" not in fh and "Núria" not in fh  # residents by identifier only
    fv = (folder / "FV01.html").read_text(encoding="utf-8")
    assert re.findall(
        r'<tr class="non-renseigne"><td>([^<]*)</td><td class="num">([^<]*)</td><td>([^<]*)</td>', fv
    ) == [("000005", "1", "28/02/2025")]
    assert dict(re.findall(r'data-figure="([^"]+)">([^<]*)<', fv))["impaye_000005"] == "4\u202f650,00 €"
    assert re.findall(billed, fv) == ["4\u202f050,00 €"]  # 27 days at 150 €
    assert "PUIG" not in fv
    index = (home / "sorties" / "index.html").read_text(encoding="utf-8")
    assert 'href="2025-02/rapports/annee_2025.html"' in index
    assert 'href="2025-02/rapports/etablissements/FV01.html"' in index
