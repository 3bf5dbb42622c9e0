import datetime as dt
from decimal import Decimal

from assets.common.csvfile import Reject
from assets.ingest.referential import parse_referential

D = dt.date
FILES = {
    "etablissements.csv": "code_etablissement;nom;type;capacite;siret\nFH01;Foyer;FH;40;\nESAT01;Esat;ESAT;x;123\n",
    "financeurs.csv": "code_financeur;nom;type;iban\nD66;Département;departement;FR7630006000011234567890189\n"
    "CPAM66;CPAM;assurance_maladie;FR00\n",
    "usagers.csv": "id_usager;nom;prenom;date_naissance;iban\n000001;DURAND;Léa;12/05/1990;\n"
    "000002;MAS;Pere;31/02/1980;\n000003;;Sans nom;;\n",
    "sejours.csv": "id_usager;code_etablissement;date_entree;date_sortie;modalite\n"
    "1;FH01;01/01/2024;;internat\n000002;FH01;2024-03-15;2024-03-01;internat\n"
    "000002;FH01;2024-03-15;15/13/2024;internat\n000009;FH01;2024-01-01;;internat\n"
    "000001;ESAT01;2024-01-01;;semi_internat\n000001;XX;2024-01-01;;internat\n",
    "prises_en_charge.csv": "id_usager;code_financeur;code_etablissement;date_debut;date_fin;statut\n"
    "000001;D66;FH01;01/01/2024;;accordee\n000001;D99;FH01;01/01/2024;;accordee\n"
    "000002;D66;FH01;01/01/2024;;acceptee\n",
    "tarifs.csv": "code_etablissement;modalite;date_debut;date_fin;prix_journee;nature\n"
    "FH01;internat;01/01/2025;;152,40;reconduit\nFH01;internat;01/01/2024;31/12/2024;0;definitif\n"
    "FH01;internat;01/01/2024;31/12/2024;150,123;definitif\n",
    "contributions.csv": "id_usager;date_debut;date_fin;montant_mensuel\n000001;01/01/2025;;456,78\n",
}


def parse(files=None):
    return parse_referential({k: v.encode() for k, v in (files or FILES).items()})


def test_kept_rows_with_types_and_defaults():
    r = parse()
    assert r.unreadable == {}
    etabs = r.frames["establishments"]
    assert etabs.select("code", "capacity", "billing").rows() == [
        ("FH01", 40, "prix_journee"),
        ("ESAT01", 0, "dotation"),
    ]
    assert r.frames["payers"].select("code", "iban").rows() == [
        ("D66", "FR7630006000011234567890189"),
        ("CPAM66", None),
    ]
    assert r.frames["residents"].select("id", "birth_date").rows() == [("000001", D(1990, 5, 12)), ("000002", None)]
    assert r.frames["stays"].select("resident_id", "establishment_code", "exit_date", "src_line").rows() == [
        ("000001", "FH01", None, 2),
        ("000001", "ESAT01", None, 6),
    ]
    assert r.frames["rates"].select("daily_rate").to_series().to_list() == [Decimal("152.40")]
    assert r.frames["contributions"].select("monthly_amount").item() == Decimal("456.78")


def test_every_rejected_row_with_file_line_column_and_reason():
    r = parse()
    ref = "referentiel/"
    assert sorted(r.rejects, key=lambda x: (x.path, x.line or 0)) == sorted(
        [
            Reject(
                ref + "etablissements.csv",
                3,
                "siret",
                "123",
                "SIRET attendu : 14 chiffres ; valeur ignorée, ligne conservée",
                kept=True,
            ),
            Reject(
                ref + "etablissements.csv",
                3,
                "capacite",
                "x",
                "nombre entier positif attendu ; valeur ignorée, ligne conservée",
                kept=True,
            ),
            Reject(
                ref + "financeurs.csv",
                3,
                "iban",
                "FR00",
                "IBAN invalide : caractères ou structure incorrects ; valeur ignorée, ligne conservée",
                kept=True,
            ),
            Reject(
                ref + "usagers.csv",
                3,
                "date_naissance",
                "31/02/1980",
                "date inexistante ; valeur ignorée, ligne conservée",
                kept=True,
            ),
            Reject(ref + "usagers.csv", 4, "nom", "", "valeur obligatoire absente"),
            Reject(ref + "sejours.csv", 3, "date_sortie", "2024-03-01", "date de fin antérieure à la date de début"),
            Reject(ref + "sejours.csv", 4, "date_sortie", "15/13/2024", "date inexistante"),
            Reject(ref + "sejours.csv", 5, "id_usager", "000009", "usager inconnu"),
            Reject(ref + "sejours.csv", 7, "code_etablissement", "XX", "établissement inconnu"),
            Reject(ref + "prises_en_charge.csv", 3, "code_financeur", "D99", "financeur inconnu"),
            Reject(
                ref + "prises_en_charge.csv",
                4,
                "statut",
                "acceptee",
                "valeur non prévue, attendu : accordee, en_instruction, refusee",
            ),
            Reject(ref + "tarifs.csv", 3, "prix_journee", "0", "montant strictement positif attendu"),
            Reject(ref + "tarifs.csv", 4, "prix_journee", "150,123", "montant à plus de deux décimales"),
        ],
        key=lambda x: (x.path, x.line or 0),
    )
    assert r.rows_read == {
        "etablissements.csv": 2,
        "financeurs.csv": 2,
        "usagers.csv": 3,
        "sejours.csv": 6,
        "prises_en_charge.csv": 3,
        "tarifs.csv": 3,
        "contributions.csv": 1,
    }
    assert r.rows_rejected["sejours.csv"] == 4 and r.rows_rejected["usagers.csv"] == 1


def test_one_unreadable_file_loads_nothing_and_names_it():
    files = dict(FILES)
    files["tarifs.csv"] = "code_etablissement;modalite;date_debut;prix_journee;nature\n"
    del files["contributions.csv"]
    r = parse(files)
    assert r.frames == {}
    assert r.unreadable == {
        "tarifs.csv": "referentiel/tarifs.csv, ligne 1 : colonne(s) obligatoire(s) absente(s) : date_fin "
        "(en-tête lu : code_etablissement; modalite; date_debut; prix_journee; nature)",
        "contributions.csv": "referentiel/contributions.csv : fichier absent",
    }
