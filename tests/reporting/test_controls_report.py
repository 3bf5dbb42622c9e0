"""The month's control report and the index of months: every control, the rows explaining a failure, the
input rows set aside, offline HTML with no external request."""

import datetime as dt
import re

from assets.common.controls import ERROR, WARNING, ControlOutcome, record
from assets.common.csvfile import Reject
from assets.common.warehouse import Warehouse, insert_frame
from assets.ingest.loading import quarantine_frame
from checks.wiring import write_month_controls

NOW = dt.datetime(2026, 4, 5, 9, 0)


def test_every_control_its_failure_rows_and_the_rows_set_aside(tmp_path):
    sorties = tmp_path / "sorties"
    with Warehouse(tmp_path / "e.duckdb").transaction() as con:
        record(
            con,
            "2026-03",
            ControlOutcome(
                "activite_doublons",
                "ingest",
                ERROR,
                False,
                2,
                "2 ligne(s) en double",
                [{"fichier": "activite/2026-03/fh.csv", "ligne": 14}],
            ),
            NOW,
        )
        record(
            con, "2026-03", ControlOutcome("lignes_non_rapprochees", "encaissements", WARNING, True, 0, "aucune"), NOW
        )
        record(con, "*", ControlOutcome("tarifs_chevauchement", "referentiel", ERROR, True, 0, "aucun"), NOW)
        record(con, "2026-02", ControlOutcome("activite_doublons", "ingest", ERROR, True, 0, "ok en février"), NOW)
        rejects = [Reject("activite/2026-03/fh.csv", 7, "id_usager", "DUPONT Marie", "usager inconnu")]
        insert_frame(con, "quarantine", quarantine_frame(rejects, "activite", "2026-03", NOW))
        (sorties / "2026-02").mkdir(parents=True)
        write_month_controls(con, sorties, "2026-03")
    html = (sorties / "2026-03" / "rapports" / "controles.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Contrôles et rapprochements – mars 2026" in text
    assert "1 erreur(s) bloquante(s)" in text and "0 avertissement(s)" in text and "2 contrôle(s) satisfait(s)" in text
    order = [m for m in re.findall(r'<tr id="([a-z_]+)">', html)]
    assert order == ["tarifs_chevauchement", "activite_doublons", "lignes_non_rapprochees"]  # by stage
    assert "2 ligne(s) en double fichier : activite/2026-03/fh.csv ligne : 14" in text
    assert "ok en février" not in text
    assert "activité activite/2026-03/fh.csv 7 id_usager usager inconnu non" in text
    assert "DUPONT" not in html  # the bad cell's value is never shown
    assert not re.search(r'(src|href)="(https?:)?//', html) and "<script" not in html  # opens offline
    index = (sorties / "index.html").read_text(encoding="utf-8")
    assert re.findall(r"<td>([^<]+ 20\d\d)</td>", index) == ["mars 2026", "février 2026"]
    assert '<a href="2026-03/rapports/controles.html">Contrôles</a>' in index


def test_a_file_refused_whole_shows_no_line_nor_column_and_its_name_escaped(tmp_path):
    """Was: « ligne : None », « colonne : None » for a file refused whole (no line, no column), and its name's
    line break written as it is."""
    from checks.ingest import control_quarantine

    sorties = tmp_path / "sorties"
    name = "banque/evil\nAVERTISSEMENT tout va bien.xml"
    with Warehouse(tmp_path / "e.duckdb").transaction() as con:
        rejects = [Reject(name, None, None, None, f"{name} : fichier vide")]
        insert_frame(con, "quarantine", quarantine_frame(rejects, "banque", "2026-03", NOW))
        record(con, "2026-03", control_quarantine(con, "banque", "2026-03", "banque_lignes_rejetees", "x"), NOW)
        write_month_controls(con, sorties, "2026-03")
    html = (sorties / "2026-03" / "rapports" / "controles.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "None" not in html and "ligne :" not in text and "colonne :" not in text
    assert "fichier : banque/evil\\nAVERTISSEMENT tout va bien.xml motif : banque/evil\\nAVERTISSEMENT" in text
    assert "\nAVERTISSEMENT" not in html
    assert "None" not in (sorties / "2026-03" / "controles" / "controles.csv").read_text(encoding="utf-8-sig")
