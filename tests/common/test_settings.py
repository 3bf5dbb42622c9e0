import datetime as dt
from decimal import Decimal

import pytest

from assets.common.settings_file import SettingsError, load_settings, parse_settings
from tests.conftest import SETTINGS

ASSOCIATION = SETTINGS  # the association block of a minimal settings file


def test_defaults_of_the_contract():
    s = parse_settings(ASSOCIATION)
    assert s.mention_tva == "TVA non applicable – article 261-7-1°-b du CGI"
    assert s.fjh_on(dt.date(2026, 2, 28)) == Decimal("20.00")
    assert s.fjh_on(dt.date(2026, 3, 1)) == Decimal("23.00")
    assert s.regularisation_mois == 24
    assert s.premier_mois is None and parse_settings(ASSOCIATION + "premier_mois: 2024-11\n").premier_mois == "2024-11"
    assert s.fec.separateur == "|" and s.fec.encodage == "iso-8859-15"
    assert s.alertes.smtp is None and s.alertes.destinataires == []
    dep = s.absence_policy("departement")
    assert [(t.jusqu_a, t.base) for t in dep.hospitalisation] == [(3, "plein"), (None, "moins_fjh")]
    assert [(t.jusqu_a, t.base) for t in dep.convenance] == [(3, "plein"), (35, "moins_fjh"), (None, "zero")]
    am = s.absence_policy("assurance_maladie")
    assert [(t.jusqu_a, t.base) for t in am.convenance] == [(35, "plein"), (None, "zero")]
    assert [(t.jusqu_a, t.base) for t in s.absence_policy("usager").convenance] == [(None, "plein")]
    assert [lv.code for lv in s.relances.usager.niveaux] == ["relance1", "relance2", "mise_en_demeure"]
    assert [lv.delai_jours for lv in s.relances.departement.niveaux] == [15, 30]


def test_a_payer_code_can_have_its_own_absence_policy():
    s = parse_settings(
        ASSOCIATION
        + """absences:
  D11:
    hospitalisation: [{jusqu_a: 5, base: plein}, {base: moins_fjh}]
    convenance: [{base: zero}]
"""
    )
    assert s.absence_policy("departement", "D11").hospitalisation[0].jusqu_a == 5
    assert s.absence_policy("departement", "D66").hospitalisation[0].jusqu_a == 3
    # a code written as the financeurs file may write it: the referential stores it in capitals
    lower = parse_settings(
        ASSOCIATION + "absences:\n  d11:\n    hospitalisation: [{base: zero}]\n    convenance: [{base: zero}]\n"
    )
    assert [t.base for t in lower.absence_policy("departement", "D11").hospitalisation] == ["zero"]
    twice = ASSOCIATION + "absences:\n  d11: {hospitalisation: [{base: zero}], convenance: [{base: zero}]}\n"
    with pytest.raises(SettingsError, match="clé « D11 » : le code D11 a déjà sa politique"):
        parse_settings(twice + "  D11: {hospitalisation: [{base: plein}], convenance: [{base: zero}]}\n")


def test_a_key_given_keeps_the_defaults_of_its_siblings():
    s = parse_settings(
        ASSOCIATION
        + "comptes: {produits: {departement.FH: '734201'}}\n"
        + "absences: {departement: {hospitalisation: [{base: zero}]}}\n"
        + "relances: {usager: {contentieux_jours: 90}, departement: {contentieux_jours: 75}}\n"
    )
    assert s.comptes.produits == {
        "departement": "7342",
        "assurance_maladie": "7311",
        "usager": "7352",
        "autre": "7388",
        "departement.FH": "734201",
    }
    departement = s.absence_policy("departement")
    assert [(t.jusqu_a, t.base) for t in departement.hospitalisation] == [(None, "zero")]
    assert [(t.jusqu_a, t.base) for t in departement.convenance] == [(3, "plein"), (35, "moins_fjh"), (None, "zero")]
    assert (s.relances.usager.contentieux_jours, [lv.code for lv in s.relances.usager.niveaux]) == (
        90,
        ["relance1", "relance2", "mise_en_demeure"],
    )
    assert [lv.code for lv in s.relances.departement.niveaux] == ["relance1", "relance2"]


def test_fjh_before_the_first_period_is_an_error():
    s = parse_settings(ASSOCIATION)
    with pytest.raises(ValueError, match="aucun forfait journalier n'est défini pour le 31/12/2017"):
        s.fjh_on(dt.date(2017, 12, 31))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mention_tva: x\n", "parametrage.yaml : clé « association » : clé obligatoire absente"),
        (
            ASSOCIATION + "regularisaton_mois: 12\n",
            "parametrage.yaml : clé « regularisaton_mois » : clé inconnue (faute de frappe ?) (lu : 12)",
        ),
        (
            ASSOCIATION + "regularisation_mois: douze\n",
            "parametrage.yaml : clé « regularisation_mois » : nombre entier attendu (lu : 'douze')",
        ),
        (
            ASSOCIATION + 'fjh: [{depuis: 2018-01-01, montant: "20.001"}]\n',
            "parametrage.yaml : clé « fjh.0.montant » : deux décimales au plus (lu : '20.001')",
        ),
        (
            ASSOCIATION + 'fjh: [{depuis: 2026-03-01, montant: "23.00"}, {depuis: 2018-01-01, montant: "20"}]\n',
            "parametrage.yaml : clé « fjh » : les dates « depuis » doivent être strictement croissantes",
        ),
        (
            ASSOCIATION + 'fec: {separateur: ";"}\n',
            "parametrage.yaml : clé « fec.separateur » : valeur non prévue, attendu : '|' or '\\t' (lu : ';')",
        ),
        (
            ASSOCIATION + "absences: {departement: {hospitalisation: [{base: plein}], convenance: [{base: demi}]}}\n",
            "parametrage.yaml : clé « absences.departement.convenance.0.base » : valeur non prévue, "
            "attendu : 'plein', 'moins_fjh' or 'zero' (lu : 'demi')",
        ),
        (
            ASSOCIATION + "absences: {departemnt: {hospitalisation: [{base: zero}], convenance: [{base: zero}]}}\n",
            "parametrage.yaml : clé « absences » : clé « departemnt » : ni un type de financeur (departement, "
            "assurance_maladie, usager, autre) ni un code de financeur (« departement » ?)",
        ),
        (
            ASSOCIATION + "relances: {departement: {niveaux: [{code: mise_en_demeure, delai_jours: 45, "
            "canaux: [recommande]}]}}\n",
            "parametrage.yaml : clé « relances » : departement : un payeur public ne reçoit jamais de mise en demeure",
        ),
        (
            ASSOCIATION + "premier_mois: 2024-13\n",
            "parametrage.yaml : clé « premier_mois » : mois attendu au format AAAA-MM (par exemple 2024-11) "
            "(lu : '2024-13')",
        ),
        ("association: [\n", "parametrage.yaml, ligne 2, colonne 1 : YAML illisible"),
        ("- a\n- b\n", "parametrage.yaml : un dictionnaire de clés est attendu à la racine"),
    ],
)
def test_errors_name_the_key_and_the_problem(text, message):
    with pytest.raises(SettingsError) as err:
        parse_settings(text)
    assert str(err.value).startswith(message), str(err.value)


def test_bad_siret_and_iban_of_the_association():
    text = ASSOCIATION.replace("12345678901234", "1234").replace(
        "FR7630006000011234567890189", "FR7630006000011234567890188"
    )
    with pytest.raises(SettingsError) as err:
        parse_settings(text)
    lines = str(err.value).splitlines()
    assert lines[0] == "parametrage.yaml : clé « association.siret » : un SIRET a 14 chiffres (lu : '1234')"
    assert lines[1] == (
        "parametrage.yaml : clé « association.iban » : IBAN invalide : clé de contrôle fausse "
        "(lu : 'FR7630006000011234567890188')"
    )


def test_siren_and_vat_number_of_the_association():
    s = parse_settings(ASSOCIATION)
    assert (s.association.siren, s.association.tva) == (None, None)  # Factur-X takes the SIRET's first 9 digits
    s = parse_settings(ASSOCIATION + '  siren: "123 456 789"\n  tva: fr 32 123 456 789\n')
    assert (s.association.siren, s.association.tva) == ("123456789", "FR32123456789")
    assert parse_settings(ASSOCIATION + "  tva: DE123456789\n").association.tva == "DE123456789"
    assert parse_settings(ASSOCIATION + "  tva: ''\n").association.tva is None
    for extra, message in (
        ('  siren: "12345678"\n', "clé « association.siren » : un SIREN a 9 chiffres"),
        ('  siren: "987654321"\n', "clé « association » : le SIRET 12345678901234 ne commence pas par le SIREN"),
        ("  tva: FR00123456789\n", "clé « association.tva » : clé du numéro de TVA FR00123456789 fausse pour le"),
        ("  tva: FR40303265045\n", "clé « association » : le numéro de TVA FR40303265045 n'est pas celui du SIREN"),
        ("  tva: 32123456789\n", "clé « association.tva » : texte attendu"),
        ("  tva: 'F 1'\n", "clé « association.tva » : numéro de TVA intracommunautaire attendu"),
        ("  tva: FR3212345678\n", "clé « association.tva » : un numéro de TVA français s'écrit FR"),
    ):
        with pytest.raises(SettingsError) as err:
            parse_settings(ASSOCIATION + extra)
        assert str(err.value).startswith(f"parametrage.yaml : {message}"), str(err.value)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(SettingsError, match="parametrage.yaml : fichier de paramétrage introuvable"):
        load_settings(tmp_path / "parametrage.yaml")
