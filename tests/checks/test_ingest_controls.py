from assets.common.controls import ALL_MONTHS, ControlOutcome, failed_errors, record
from assets.ingest.loading import load_activity, load_referential
from checks.ingest import (
    control_activity_expectations,
    control_activity_files,
    control_capacity,
    control_days_not_reported,
    control_decisions_overlap,
    control_outside_stay,
    control_quarantine,
    control_rates_overlap,
    control_referential_files,
    control_referential_keys,
    control_stays_overlap,
)
from checks.wiring import write_month_controls
from tests.conftest import NOW, REFERENTIAL, march_fh01, write_activity, write_home

IME = "code_etablissement;id_usager;J03;J04\nIME01;000003;P;P\n"


def loaded(home, warehouse, fh01=None, ime=IME, referential=None):
    if referential:
        write_home(home, {**REFERENTIAL, **referential})
    write_activity(home, "2025-03", "fh01.csv", fh01 or march_fh01())
    write_activity(home, "2025-03", "ime01.csv", ime)
    with warehouse.transaction() as con:
        load_referential(con, home / "entrees", NOW)
        load_activity(con, home / "entrees", "2025-03", NOW)
    return warehouse


def test_clean_referential_passes_every_referential_control(home, warehouse):
    with loaded(home, warehouse).connect() as con:
        outcomes = [
            control_referential_files(con),
            control_referential_keys(con),
            control_rates_overlap(con),
            control_decisions_overlap(con),
            control_quarantine(con, "referentiel", None, "referentiel_lignes_rejetees", "referentiel"),
        ]
    assert [(o.control, o.passed, o.value) for o in outcomes] == [
        ("referentiel_fichiers_lisibles", True, 0),
        ("referentiel_identifiants_uniques", True, 0),
        ("tarifs_chevauchement", True, 0),
        ("prises_en_charge_chevauchement", True, 0),
        ("referentiel_lignes_rejetees", True, 0),
    ]


def test_a_referential_row_set_aside_is_an_error_an_optional_value_ignored_a_warning(home, warehouse):
    payers = "code_financeur;nom;type;iban\nD66;Département 66;departement;FR00 1234\nCPAM66;CPAM;assurance_maladie;\n"
    loaded(home, warehouse, referential={"financeurs.csv": payers})
    with warehouse.connect() as con:
        ignored = control_quarantine(con, "referentiel", None, "r", "referentiel", set_aside_blocks=True)
    assert (ignored.passed, ignored.severity, ignored.detail) == (
        False,
        "avertissement",
        "0 ligne(s) écartée(s), 1 valeur(s) ignorée(s) sur des lignes conservées",
    )
    residents = "id_usager;nom;prenom\n000001;DURAND;\n000002;MAS;Pere\n000003;ROIG;Núria\n"
    loaded(home, warehouse, referential={"usagers.csv": residents})
    with warehouse.connect() as con:
        set_aside = control_quarantine(con, "referentiel", None, "r", "referentiel", set_aside_blocks=True)
        warned = control_quarantine(con, "referentiel", None, "r", "referentiel")
    assert (set_aside.passed, set_aside.severity, warned.severity) == (False, "erreur", "avertissement")
    # the resident's row, and the rows that name him (his stay, funding decision and contribution)
    assert [(e["fichier"], e["ligne"], e["colonne"], e["motif"]) for e in set_aside.examples] == [
        ("referentiel/contributions.csv", 2, "id_usager", "usager inconnu"),
        ("referentiel/prises_en_charge.csv", 2, "id_usager", "usager inconnu"),
        ("referentiel/sejours.csv", 2, "id_usager", "usager inconnu"),
        ("referentiel/usagers.csv", 2, "prenom", "valeur obligatoire absente"),
    ]


def test_overlapping_rates_decisions_and_duplicate_ids_are_errors(home, warehouse):
    loaded(
        home,
        warehouse,
        referential={
            "tarifs.csv": REFERENTIAL["tarifs.csv"] + "FH01;internat;01/06/2025;31/12/2025;160,00;definitif\n"
            "FH01;semi_internat;01/06/2025;;90,00;definitif\n",
            "prises_en_charge.csv": REFERENTIAL["prises_en_charge.csv"]
            + "000001;D66;FH01;01/02/2025;;refusee\n000001;CPAM66;FH01;01/03/2025;31/03/2025;accordee\n",
            "usagers.csv": REFERENTIAL["usagers.csv"] + "000002;MAS;Pere bis\n",
            # 000002 leaves on 10/03/2025 and comes back that day (no overlap), then a stay overlapping the first
            "sejours.csv": REFERENTIAL["sejours.csv"] + "000002;FH01;2025-03-10;;internat\n"
            "000001;FH01;2025-06-01;;internat\n",
        },
    )
    with warehouse.connect() as con:
        rates, decisions = control_rates_overlap(con), control_decisions_overlap(con)
        stays = control_stays_overlap(con)
        keys = control_referential_keys(con)
    assert (rates.passed, rates.value, rates.severity) == (False, 1, "erreur")
    assert rates.examples == [
        {
            "establishment_code": "FH01",
            "rate_mode": "internat",
            "line_a": 2,
            "line_b": 4,
            "first_common_day": "2025-06-01",
        }
    ]
    assert (decisions.passed, decisions.value) == (False, 1)
    assert decisions.examples == [
        {
            "resident_id": "000001",
            "establishment_code": "FH01",
            "line_a": 2,
            "line_b": 6,
            "first_common_day": "2025-03-01",
        }
    ]
    assert (stays.passed, stays.value) == (False, 1)
    assert stays.examples == [
        {
            "resident_id": "000001",
            "establishment_code": "FH01",
            "line_a": 2,
            "line_b": 6,
            "first_common_day": "2025-06-01",
        }
    ]
    assert (keys.passed, keys.value, keys.detail) == (False, 2, "2 ligne(s) partagent un identifiant")
    assert keys.examples == [
        {"table": "residents", "colonne": "id_usager", "valeur": "000002", "ligne": 3},
        {"table": "residents", "colonne": "id_usager", "valeur": "000002", "ligne": 5},
    ]


def test_missing_referential_file_fails_the_files_control(home, warehouse):
    (home / "entrees" / "referentiel" / "contributions.csv").unlink()
    with warehouse.transaction() as con:
        load_referential(con, home / "entrees", NOW)
        outcome = control_referential_files(con)
    assert (outcome.passed, outcome.value, outcome.detail) == (
        False,
        1,
        "referentiel/contributions.csv : fichier absent — le référentiel précédent reste en place",
    )
    assert outcome.examples[0] == {"fichier": "contributions.csv", "statut": "absent"}


def test_month_activity_controls_on_a_clean_month(home, warehouse):
    with loaded(home, warehouse).connect() as con:
        duplicates, shape = control_activity_expectations(con, "2025-03")
        outside, missing, capacity = (
            control_outside_stay(con, "2025-03"),
            control_days_not_reported(con, "2025-03"),
            control_capacity(con, "2025-03"),
        )
        files = control_activity_files(con, "2025-03")
    assert (duplicates.passed, shape.passed, shape.detail) == (True, True, "43 journée(s) conformes")
    assert (files.passed, files.detail) == (True, "2 fichier(s) lu(s)")
    # 000002's stay ends on 10/03 (exit day not billed) but the extract marks the 10th present
    assert (outside.passed, outside.value, outside.severity) == (False, 1, "avertissement")
    assert outside.examples == [
        {
            "establishment_code": "FH01",
            "resident_id": "000002",
            "day": "2025-03-10",
            "source_path": "activite/2025-03/fh01.csv",
            "source_line": 42,
        }
    ]
    # 000003 entered IME01 on 03/03: 29 days of stay in March, 2 reported
    assert (missing.passed, missing.value) == (False, 27)
    assert missing.examples == [
        {"establishment_code": "IME01", "resident_id": "000003", "days_missing": 27, "first_day": "2025-03-05"}
    ]
    assert (capacity.passed, capacity.value) == (True, 0)


def test_duplicates_and_capacity(home, warehouse):
    loaded(
        home,
        warehouse,
        fh01=march_fh01() + "FH01;000001;2025-03-05;H\n",
        referential={"etablissements.csv": "code_etablissement;nom;type;capacite\nFH01;Foyer;FH;1\nIME01;IME;IME;10\n"},
    )
    with warehouse.connect() as con:
        duplicates, _ = control_activity_expectations(con, "2025-03")
        capacity = control_capacity(con, "2025-03")
    assert (duplicates.passed, duplicates.value, duplicates.severity) == (False, 2, "erreur")
    assert duplicates.detail == (
        "2 ligne(s) pour un même usager, établissement et jour ; activité retenue pour "
        "FH01 (42 journée(s)) jusqu'à correction de l'extrait — établissement(s) retenu(s) : FH01 ; les autres "
        "suivent leur cours"
    )
    assert duplicates.establishments == ("FH01",)
    assert [(e["source_line"], e["day"]) for e in duplicates.examples] == [(6, "2025-03-05"), (43, "2025-03-05")]
    assert (capacity.passed, capacity.value) == (False, 10)
    assert capacity.examples[0] == {"establishment_code": "FH01", "day": "2025-03-01", "present": 2, "capacity": 1}


def test_an_extract_held_after_a_clean_one_keeps_its_days_and_the_control_reads_the_new_extract(home, warehouse):
    loaded(home, warehouse)
    loaded(home, warehouse, fh01=march_fh01(code="H") + "FH01;000001;2025-03-05;H\n")
    count = "SELECT code, held, count(*) FROM activity_days WHERE establishment_code = 'FH01' GROUP BY ALL ORDER BY ALL"
    with warehouse.connect() as con:
        assert con.execute(count).fetchall() == [("H", True, 32), ("P", False, 41), ("P", True, 10)]
        duplicates, shape = control_activity_expectations(con, "2025-03")
    assert (duplicates.passed, duplicates.value, shape.detail) == (False, 2, "44 journée(s) conformes")
    assert "FH01 (42 journée(s))" in duplicates.detail
    assert [(e["source_line"], e["day"]) for e in duplicates.examples] == [(6, "2025-03-05"), (43, "2025-03-05")]
    loaded(home, warehouse, fh01=march_fh01(code="H"))  # corrected: it replaces them all
    with warehouse.connect() as con:
        assert con.execute(count).fetchall() == [("H", False, 31), ("P", False, 10)]


def test_unreadable_extract_and_quarantine_controls(home, warehouse):
    loaded(home, warehouse, ime=b"\x00\x01")
    with warehouse.connect() as con:
        files = control_activity_files(con, "2025-03")
        quarantine = control_quarantine(con, "activite", "2025-03", "activite_lignes_rejetees", "ingest")
    assert (files.passed, files.value, files.detail) == (
        False,
        1,
        "activite/2025-03/ime01.csv : fichier binaire (octet nul à la position 0), pas un CSV",
    )
    assert (quarantine.passed, quarantine.value, quarantine.detail) == (
        False,
        1,
        "1 ligne(s) écartée(s), 0 valeur(s) ignorée(s) sur des lignes conservées",
    )


def test_controls_file_lists_month_and_referential_controls(home, warehouse):
    with warehouse.transaction() as con:
        record(con, ALL_MONTHS, ControlOutcome("tarifs_chevauchement", "referentiel", "erreur", True, 0, "aucun"), NOW)
        record(con, "2025-03", ControlOutcome("activite_doublons", "ingest", "erreur", False, 2, "=deux"), NOW)
        record(con, "2025-03", ControlOutcome("activite_hors_sejour", "ingest", "avertissement", False, 1, "un"), NOW)
        record(con, "2025-04", ControlOutcome("activite_doublons", "ingest", "erreur", True, 0, "aucun"), NOW)
        path = write_month_controls(con, home / "sorties", "2025-03")
        assert failed_errors(con, "2025-03") == [("activite_doublons", "=deux")]
        assert failed_errors(con, "2025-04") == []
    assert path == home / "sorties" / "2025-03" / "controles" / "controles.csv"
    assert path.read_text(encoding="utf-8") == (
        "\ufeffcontrole;severite;statut;valeur;detail\n"
        "tarifs_chevauchement;erreur;ok;0;aucun\n"
        "activite_doublons;erreur;echec;2;'=deux\n"
        "activite_hors_sejour;avertissement;echec;1;un\n"
    )


def test_outcome_status():
    assert ControlOutcome("x", "ingest", "erreur", True, 0, "").status == "ok"
    assert ControlOutcome("x", "ingest", "erreur", False, 1, "").status == "echec"
