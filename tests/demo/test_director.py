"""The demo's finance director (demo/director.py): after each close, a resident's invoice sent as contentieux
(recouvrement/contentieux.csv) two months ago or more and still unpaid is written off, once, in
entrees/relances/non_valeurs.csv."""

import datetime as dt

from demo.director import HEADER, MOTIF, Director

CONTENTIEUX = "numero;code_financeur;montant_du;jours_de_retard;motif"
MATCHED = "id_ligne_bancaire;date;montant;numero_facture;montant_affecte;regle;code_financeur;lettre;date_lettrage"
REGISTER = "numero;type;date_emission;date_echeance;mois_prestation;code_etablissement;code_financeur;montant;" + (
    "numero_facture_origine"
)


def write(home, month, name, header, rows):
    path = home / "sorties" / month / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def decisions(home):
    path = home / "entrees" / "relances" / "non_valeurs.csv"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def close(director, home, month, *, contentieux=(), matched=(), register=(), header=CONTENTIEUX):
    write(home, month, "recouvrement/contentieux.csv", header, contentieux)
    write(home, month, "lettrage/rapprochements.csv", MATCHED, matched)
    write(home, month, "factures/registre.csv", REGISTER, register)
    year, number = int(month[:4]), int(month[5:])
    day = dt.date(year + number // 12, number % 12 + 1, 5)
    return director.after_close(home, month, day)


def test_an_invoice_in_contentieux_two_months_and_unpaid_is_written_off_once(tmp_path):
    director = Director()
    sent = [
        "F2025-000010;U000001;310,50;61;contentieux",  # never paid: written off
        "F2025-000011;U000002;150,00;62;contentieux",  # paid since
        "F2025-000012;U000003;300,00;63;contentieux",  # part paid, part credited: the rest written off
        "F2025-000013;D66;5000,00;64;contentieux",  # a département: followed otherwise
        "F2025-000014;U000004;90,00;20;litige",  # a dispute: not a contentieux
    ]
    assert close(director, tmp_path, "2025-03", contentieux=sent) == 0
    assert (
        close(
            director,
            tmp_path,
            "2025-04",
            contentieux=["F2025-000020;U000005;80,00;61;contentieux"],  # sent a month later
            matched=[
                "CAMT-1;2025-04-12;150,00;F2025-000011;150,00;payeur_montant;U000002;AA;2025-04-12",
                "CAMT-2;2025-04-20;100,00;F2025-000012;100,00;reference;U000003;;",
            ],
            register=["A2025-000003;avoir;2025-05-05;;2025-02;FH01;U000003;-50,00;F2025-000012"],
        )
        == 0
    )
    assert decisions(tmp_path) == []
    assert close(director, tmp_path, "2025-05") == 2  # two months after the first ones were sent
    assert decisions(tmp_path) == [
        HEADER,
        f"F2025-000010;310,50;05/06/2025;{MOTIF}",
        f"F2025-000012;150,00;05/06/2025;{MOTIF}",
    ]
    # the one sent in April, unpaid, in June; nothing twice, even listed again
    assert close(director, tmp_path, "2025-06", contentieux=["F2025-000010;U000001;310,50;150;contentieux"]) == 1
    assert decisions(tmp_path)[1:] == [
        f"F2025-000010;310,50;05/06/2025;{MOTIF}",
        f"F2025-000012;150,00;05/06/2025;{MOTIF}",
        f"F2025-000020;80,00;05/07/2025;{MOTIF}",
    ]
    assert close(director, tmp_path, "2025-07") == 0


def test_a_return_reopens_what_the_director_writes_off_and_a_file_without_amounts_uses_the_invoices(tmp_path):
    director = Director()
    write(
        tmp_path,
        "2025-01",
        "factures/registre.csv",
        REGISTER,
        ["F2025-000030;facture;2025-02-05;2025-03-07;2025-01;FH01;U000007;240,00;"],
    )
    close(
        director,
        tmp_path,
        "2025-02",
        matched=["CAMT-3;2025-03-10;240,00;F2025-000030;240,00;reference;U000007;AA;2025-03-10"],
    )
    # sent to the director in March by a file that gives no amount: the invoice's, less what it received
    close(director, tmp_path, "2025-03", contentieux=["F2025-000030;U000007"], header="numero;code_financeur")
    # the debit of March came back in April: the invoice is open again, in full
    close(
        director,
        tmp_path,
        "2025-04",
        matched=["CAMT-4;2025-04-02;-240,00;F2025-000030;-240,00;retour;U000007;;"],
    )
    assert close(director, tmp_path, "2025-05") == 1
    assert decisions(tmp_path)[1:] == [f"F2025-000030;240,00;05/06/2025;{MOTIF}"]


def test_an_invoice_the_cell_is_placing_a_cheque_on_waits_for_it(tmp_path):
    director = Director()
    close(director, tmp_path, "2025-05", contentieux=["F2025-000001;U000001;310,50;75;contentieux"])
    path = tmp_path / "entrees" / "relances" / "lettrage_manuel.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("id_ligne_bancaire;numero_facture;montant\nCAMT-X1;F2025-000001;100,00\n", encoding="utf-8")
    assert close(director, tmp_path, "2025-07") == 0  # the cell's decision is not applied yet
    applied = ["CAMT-X1;2025-08-02;100,00;F2025-000001;100,00;manuel;U000001;;"]
    assert close(director, tmp_path, "2025-08", matched=applied) == 1  # applied: the rest is written off
    assert decisions(tmp_path)[1:] == [f"F2025-000001;210,50;05/09/2025;{MOTIF}"]
