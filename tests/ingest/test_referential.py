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


def test_an_id_without_its_leading_zeros_is_the_same_resident_or_payer_in_every_file():
    """Excel saves 000001 as 1: each file may have lost the zeros or kept them; one resident, one payer,
    written in the form that has its zeros (or the one the warehouse already holds)."""
    files = {
        **FILES,
        "financeurs.csv": "code_financeur;nom;type\n066;Département;departement\nCPAM66;CPAM;assurance_maladie\n",
        "usagers.csv": "id_usager;nom;prenom\n1;DURAND;Léa\n000002;MAS;Pere\n",
        "sejours.csv": "id_usager;code_etablissement;date_entree;date_sortie;modalite\n"
        "000001;FH01;01/01/2024;;internat\n2;FH01;01/01/2024;;internat\n",
        "prises_en_charge.csv": "id_usager;code_financeur;code_etablissement;date_debut;date_fin;statut\n"
        "01;66;FH01;01/01/2024;;accordee\n2;0066;FH01;01/01/2024;;en_instruction\n",
        "contributions.csv": "id_usager;date_debut;date_fin;montant_mensuel\n1;01/01/2025;;456,78\n",
        "tarifs.csv": "code_etablissement;modalite;date_debut;date_fin;prix_journee;nature\n"
        "FH01;internat;01/01/2024;;152,40;reconduit\n",
    }
    r = parse(files)
    assert [x for x in r.rejects if not x.kept] == []
    assert r.frames["residents"]["id"].to_list() == ["000001", "000002"]
    assert r.frames["stays"]["resident_id"].to_list() == ["000001", "000002"]
    assert r.frames["contributions"]["resident_id"].to_list() == ["000001"]
    assert r.frames["payers"]["code"].to_list() == ["0066", "CPAM66"]
    decisions = r.frames["funding_decisions"].select("resident_id", "payer_code").rows()
    assert decisions == [("000001", "0066"), ("000002", "0066")]
    # the warehouse's forms win over the files': 000178 stays 000178 once usagers.csv says 178
    known = {"resident": {"1": "000001", "2": "2"}, "payer": {"66": "066"}}
    r = parse_referential({k: v.encode() for k, v in files.items()}, known=known)
    assert r.frames["residents"]["id"].to_list() == ["000001", "2"]
    assert r.frames["stays"]["resident_id"].to_list() == ["000001", "2"]
    assert r.frames["funding_decisions"].select("resident_id", "payer_code").rows() == [("000001", "066"), ("2", "066")]


def test_two_rows_that_only_their_leading_zeros_tell_apart_are_set_aside_naming_both():
    files = {
        **FILES,
        "financeurs.csv": "code_financeur;nom;type\nD66;Département;departement\n",
        "usagers.csv": "id_usager;nom;prenom\n0012;DURAND;Léa\n000002;MAS;Pere\n12;ROIG;Núria\n",
        "sejours.csv": "id_usager;code_etablissement;date_entree;date_sortie;modalite\n12;FH01;01/01/2024;;internat\n",
        "prises_en_charge.csv": "id_usager;code_financeur;code_etablissement;date_debut;date_fin;statut\n",
        "contributions.csv": "id_usager;date_debut;date_fin;montant_mensuel\n",
    }
    r = parse(files)
    clash = [x for x in r.rejects if x.path == "referentiel/usagers.csv"]
    assert clash == [
        Reject(
            "referentiel/usagers.csv",
            4,
            "id_usager",
            "12",
            "même identifiant que « 0012 » (ligne 2, colonne id_usager) aux zéros de tête près : "
            "deux lignes pour un seul identifiant",
        )
    ]
    assert r.frames["residents"]["id"].to_list() == ["0012", "000002"]
    assert r.rows_rejected["usagers.csv"] == 1


def test_an_identifier_in_scientific_notation_sets_its_row_aside():
    """2,26632E+13 is what Excel shows of a SIRET: the digits are lost, the row is not kept without them."""
    files = {
        **FILES,
        "etablissements.csv": "code_etablissement;nom;type;capacite;siret;finess\n"
        "FH01;Foyer;FH;40;2,26632E+13;660000001\nESAT01;Esat;ESAT;5;;6,6E+08\nIME01;Ime;IME;5;;10001234\n",
        "financeurs.csv": "code_financeur;nom;type;siret\nD66;Département;departement;2.26632E+13\n"
        "CPAM66;CPAM;assurance_maladie;\n",
        "usagers.csv": "id_usager;nom;prenom\n1,23457E+11;DURAND;Léa\n000002;MAS;Pere\n",
    }
    r = parse(files)
    lost = "nombre en notation scientifique (Excel) : les chiffres de l'identifiant sont perdus ; "
    lost += "mettez la colonne au format Texte et saisissez de nouveau l'identifiant complet"
    assert [x for x in r.rejects if x.reason == lost] == [
        Reject("referentiel/etablissements.csv", 2, "siret", "2,26632E+13", lost),
        Reject("referentiel/etablissements.csv", 3, "finess", "6,6E+08", lost),
        Reject("referentiel/financeurs.csv", 2, "siret", "2.26632E+13", lost),
        Reject("referentiel/usagers.csv", 2, "id_usager", "1,23457E+11", lost),
    ]
    assert not any(x.kept for x in r.rejects if x.reason == lost)  # never "valeur ignorée"
    # a FINESS of a département 01 to 09 that lost its leading zero gets it back
    assert r.frames["establishments"].select("code", "finess").rows() == [("IME01", "010001234")]
