"""The month's billing files and documents: exact CSV contents, PDF text, Factur-X read back."""

import datetime as dt
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from assets.billing.documents import ZIP_NAME, render_month
from assets.billing.facturx_xml import read_facturx
from assets.billing.outputs import write_billing_files
from checks.billing import control_facturx
from tests.billing.case import NOW, Case, D, month_of_days

pytestmark = pytest.mark.slow  # renders PDFs (WeasyPrint: Pango from apt)


SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "facturx"


def samples() -> Path:
    """The shared samples; CI always has them (a missing copy there is a failure, not a skip)."""
    if not SAMPLES.is_dir() and not os.environ.get("CI"):
        pytest.skip("../shared/samples is not beside this checkout")
    return SAMPLES


@pytest.fixture
def billed(tmp_path):
    case = (
        Case(tmp_path)
        .establishment("FH01", "FH")
        .payer("D66", "departement", delay=45)
        .rate("FH01", "internat", D(2025, 1, 1), None, "150.00")
    )
    for rid in ("000001", "000002", "000003"):
        case.resident(rid).stay(rid, "FH01", D(2024, 1, 1))
    case.decision("000001", "D66", "FH01", D(2024, 1, 1), commitment="EJ0001")
    case.decision("000002", "D66", "FH01", D(2024, 1, 1), commitment="EJ0001")
    case.decision("000003", "D66", "FH01", D(2024, 12, 15), status="en_instruction")
    case.contribution("000001", D(2025, 1, 1), None, "310.00")
    for rid in ("000001", "000003"):
        case.activity("FH01", rid, month_of_days(D(2025, 1, 1), D(2025, 1, 31)))
    case.activity(
        "FH01",
        "000002",
        month_of_days(D(2025, 1, 1), D(2025, 1, 30))
        | month_of_days(D(2025, 1, 20), D(2025, 1, 24), "C")
        | {D(2025, 1, 31): "H"},
    )
    case.issue("2025-01", D(2025, 2, 5))
    case.execute("UPDATE rates SET daily_rate = 149.00")
    case.issue("2025-01", D(2025, 2, 6))  # a lower rate: a credit note on the first invoice
    sorties = tmp_path / "sorties"
    with case.transaction() as con:
        counts = write_billing_files(con, case.settings, sorties, "2025-01", D(2025, 2, 6))
        summary = render_month(con, case.settings, sorties, "2025-01", D(2025, 2, 6), NOW, workers=1)
    return case, sorties / "2025-01", counts, summary


def text_of(pdf: Path) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(pdf).pages)).replace("\u202f", " ")


def test_register_and_lines_are_exact(billed):
    case, folder, counts, _ = billed
    assert counts == {"registre": 3, "lignes": 17, "en_attente": 1, "portail": 2}
    assert (folder / "factures" / "registre.csv").read_text(encoding="utf-8") == (
        "\ufeffnumero;type;date_emission;date_echeance;mois_prestation;code_etablissement;code_financeur;montant;"
        "numero_facture_origine;nature\n"
        "F2025-000001;facture;2025-02-05;2025-03-22;2025-01;FH01;D66;8950,00;;initiale\n"
        "F2025-000002;facture;2025-02-05;2025-03-07;2025-01;FH01;U000001;310,00;;initiale\n"
        "A2025-000001;avoir;2025-02-06;2025-03-23;2025-01;FH01;D66;-62,00;F2025-000001;avoir\n"
    )
    lines = (folder / "factures" / "lignes.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "\ufeffnumero;id_usager;categorie;quantite;prix_unitaire;montant;libelle"
    assert lines[1:4] == [
        "F2025-000001;000001;presence;31;150,00;4650,00;Journées de présence",
        "F2025-000001;000001;participation_usager;1;-310,00;-310,00;Participation de l'usager",
        "F2025-000001;000002;presence;25;150,00;3750,00;Journées de présence",
    ]
    assert lines[4:7] == [
        "F2025-000001;000002;hospitalisation;1;150,00;150,00;Absence pour hospitalisation",
        "F2025-000001;000002;absence;3;150,00;450,00;Absence pour convenance personnelle",
        "F2025-000001;000002;absence_au_dela;2;130,00;260,00;"
        "Convenance personnelle au-delà du 3e jour (prix de journée − forfait journalier)",
    ]
    assert (
        lines[7] == "F2025-000002;000001;participation_frais_hebergement;1;310,00;310,00;"
        "Participation aux frais d'hébergement"
    )
    assert lines[8:10] == [
        "A2025-000001;000001;presence;-31;150,00;-4650,00;Journées de présence",
        "A2025-000001;000001;presence;31;149,00;4619,00;Journées de présence",
    ]
    assert sum(Decimal(line.split(";")[5].replace(",", ".")) for line in lines[1:]) == Decimal("9198.00")


def test_held_amounts_and_portal_statement(billed):
    _, folder, _, _ = billed
    assert (folder / "factures" / "en_attente.csv").read_text(encoding="utf-8") == (
        "\ufeffid_usager;code_financeur;code_etablissement;mois_prestation;jours;montant;debut_dossier;anciennete_jours;"
        "reference_decision\n"
        "000003;D66;FH01;2025-01;31;4619,00;2024-12-15;53;DEC-000003\n"
    )
    assert (folder / "portail" / "etat_mensuel_D66.csv").read_text(encoding="utf-8") == (
        "\ufeffid_usager;nom;prenom;numero_dossier;code_etablissement;jours_presence;jours_hospitalisation;jours_absence;"
        "jours_fermeture;prix_journee;forfait_journalier_deduit;participation_usager;montant_reclame\n"
        "000001;DURAND;Usager000001;DEC-000001;FH01;31;0;0;0;149,00;0,00;310,00;4309,00\n"
        "000002;DURAND;Usager000002;DEC-000002;FH01;25;1;5;0;149,00;40,00;0,00;4579,00\n"
    )


def test_the_portal_statement_leaves_out_the_days_outside_the_stay(tmp_path):
    case = Case(tmp_path).establishment("FH01", "FH").payer("D66", "departement")
    case.rate("FH01", "internat", D(2025, 1, 1), None, "150.00")
    case.resident("000001").stay("000001", "FH01", D(2024, 1, 1), D(2025, 1, 21))  # left on the 21st
    case.decision("000001", "D66", "FH01", D(2024, 1, 1)).contribution("000001", D(2025, 1, 1), None, "310.00")
    case.activity("FH01", "000001", month_of_days(D(2025, 1, 1), D(2025, 1, 31)))  # still marked present
    case.issue("2025-01", D(2025, 2, 5))
    with case.transaction() as con:
        write_billing_files(con, case.settings, tmp_path / "sorties", "2025-01", D(2025, 2, 5))
    portal = tmp_path / "sorties" / "2025-01" / "portail" / "etat_mensuel_D66.csv"
    # 20 days present, 310.00 x 20 / 31 = 200.00 of contribution, 3,000.00 - 200.00 claimed
    assert portal.read_text(encoding="utf-8").splitlines()[1:] == [
        "000001;DURAND;Usager000001;DEC-000001;FH01;20;0;0;0;150,00;0,00;200,00;2800,00"
    ]


def test_invoice_pdf_carries_every_mandatory_mention(billed):
    case, folder, _, summary = billed
    assert (summary.rendered, summary.facturx, summary.bordereaux) == (3, 2, 1)
    text = text_of(folder / "factures" / "F2025-000001.pdf")
    for mention in (
        "Association test",
        "1 rue du Test, 66000 Perpignan",
        "SIRET 123 456 789 01234",
        "Payeur D66",
        "Hôtel, 66000 Perpignan",
        "SIRET 226 600 001 00011",
        "Code service : SERV",
        "Numéro d'engagement : EJ0001",
        "FACTURE",
        "F2025-000001",
        "05/02/2025",
        "janvier 2025",
        "Échéance 22/03/2025",
        "Net à payer 8 950,00 €",
        "TVA non applicable – article 261-7-1°-b du CGI",
        "IBAN FR76 3000 6000 0112 3456 7890 189",
        "BIC AGRIFRPP",
        "45 jours",
        "DURAND Usager000001",
        "Sous-total DURAND Usager000002 4 610,00 €",
    ):
        assert mention in text, mention
    credit = text_of(folder / "factures" / "A2025-000001.pdf")
    for mention in (
        "AVOIR",
        "A2025-000001",
        "Avoir sur la facture F2025-000001 du 05/02/2025",
        "Montant de l'avoir 62,00 €",
    ):
        assert mention in credit, mention
    resident = text_of(folder / "factures" / "F2025-000002.pdf")
    assert "Participation aux frais d'hébergement 1 310,00 € 310,00 €" in resident
    assert "Net à payer 310,00 €" in resident


def test_public_payer_documents_are_facturx_and_resident_ones_are_not(billed):
    case, folder, _, _ = billed
    invoice = read_facturx((folder / "factures" / "F2025-000001.pdf").read_bytes())
    assert (invoice["BT-1"], invoice["BT-3"], invoice["BT-115"], invoice["BT-10"], invoice["BT-13"]) == (
        "F2025-000001",
        "380",
        "8950.00",
        "SERV",
        "EJ0001",
    )
    assert [line["BT-131"] for line in invoice["BG-25"]][:2] == ["4650.00", "-310.00"]
    credit = read_facturx((folder / "factures" / "A2025-000001.pdf").read_bytes())
    assert (credit["BT-3"], credit["BT-115"], credit["BG-3"][0]["BT-25"]) == ("381", "62.00", "F2025-000001")
    with pytest.raises(Exception, match="aucun XML Factur-X|No embedded|not"):
        read_facturx((folder / "factures" / "F2025-000002.pdf").read_bytes())
    import zipfile

    assert sorted(zipfile.ZipFile(folder / "factures" / ZIP_NAME).namelist()) == [
        "A2025-000001.pdf",
        "F2025-000001.pdf",
    ]
    assert (folder / "factures" / "bordereaux" / "bordereau_D66.pdf").is_file()


def test_facturx_control_passes_then_catches_a_replaced_file(billed):
    case, folder, _, _ = billed
    sorties = folder.parent
    with case.transaction() as con:
        ok = control_facturx(con, sorties, "2025-01", {"F2025-000001", "A2025-000001"})
        assert (ok.passed, ok.value) == (True, 0)
        (folder / "factures" / "F2025-000001.pdf").write_bytes((folder / "factures" / "F2025-000002.pdf").read_bytes())
        bad = control_facturx(con, sorties, "2025-01", {"F2025-000001", "A2025-000001", "F2025-999999"})
    assert (bad.passed, bad.value) == (False, 2)
    assert bad.examples[1] == {"numero": "F2025-999999", "probleme": "pas de fichier Factur-X"}


def test_rendering_again_keeps_issued_files_and_restores_a_missing_one(billed):
    case, folder, _, _ = billed
    first = (folder / "factures" / "F2025-000002.pdf").read_bytes()
    (folder / "factures" / "A2025-000001.pdf").unlink()
    with case.transaction() as con:
        again = render_month(con, case.settings, folder.parent, "2025-01", D(2025, 2, 6), NOW, workers=1)
    assert (again.rendered, again.kept) == (1, 2)
    assert (folder / "factures" / "F2025-000002.pdf").read_bytes() == first
    assert read_facturx((folder / "factures" / "A2025-000001.pdf").read_bytes())["BT-1"] == "A2025-000001"


@pytest.mark.parametrize(
    ("path", "number", "type_code", "due"),
    [
        ("akretion/invoice_EN16931.pdf", "F20260023", "380", "104.90"),
        ("mustang/Facture_F20180027.pdf", "F20180027", "380", "100.00"),
        ("mustang/EN16931_Einfach.pdf", "471102", "380", "529.87"),
        ("mustang/validAvoir_FR_type380_BASICWL.pdf", "AV-2017-0005", "380", "-233.47"),
        ("akretion/factur-x-en16931.xml", "F20260023", "380", "104.90"),
        ("mustang/validV2FR.xml", "FAC-20171118-506", "380", "571.04"),
    ],
)
def test_facturx_samples_written_by_others_are_read_back(path, number, type_code, due):
    terms = read_facturx((samples() / path).read_bytes())
    assert (terms["BT-1"], terms["BT-3"], terms["BT-115"]) == (number, type_code, due)


@pytest.mark.parametrize("path", ["mustang/invalidV2.xml", "mustang/valid_Avoir_FR_type380_minimum_factur-x.xml"])
def test_facturx_samples_invalid_against_the_schema_are_refused(path):
    data = (samples() / path).read_bytes()
    with pytest.raises(Exception, match="not valid against the official XML Schema"):
        read_facturx(data)


def test_issue_date_rule_in_documents(billed):
    case, *_ = billed
    docs = case.documents()
    assert all(
        due - issued == dt.timedelta(days=45 if payer == "D66" else 30)
        for _, _, _, _, payer, _, _, _, issued, due in docs
    )


def test_a_credit_note_correcting_two_invoices_names_both_in_its_pdf_and_its_xml(billed):
    from assets.billing.facturx_xml import embedded_xml

    case, folder, _, _ = billed
    case.execute("UPDATE rates SET daily_rate = 152.00")  # 3.00 a day more: a complementary invoice
    case.issue("2025-01", D(2025, 2, 7))
    # 000002 gone since 11 January: his 21 days credited, the complementary invoice first, down to 0
    case.execute("UPDATE stays SET exit_date = DATE '2025-01-11' WHERE resident_id = '000002'")
    case.issue("2025-01", D(2025, 2, 8))
    (credit,) = [d for d in case.documents() if d[0] == "A2025-000002"]
    assert credit[7] == "F2025-000003,F2025-000001"
    with case.transaction() as con:
        render_month(con, case.settings, folder.parent, "2025-01", D(2025, 2, 8), NOW, workers=1)
    text = text_of(folder / "factures" / "A2025-000002.pdf")
    assert "Avoir sur les factures F2025-000003 du 07/02/2025 et F2025-000001 du 05/02/2025" in text
    assert "imputé sur les factures F2025-000003 et F2025-000001, chacune à hauteur" in text
    _, xml = embedded_xml((folder / "factures" / "A2025-000002.pdf").read_bytes())
    assert re.findall(rb"<ram:IssuerAssignedID>(F2025-\d+)</ram:IssuerAssignedID>", xml) == [
        b"F2025-000003",
        b"F2025-000001",
    ]
