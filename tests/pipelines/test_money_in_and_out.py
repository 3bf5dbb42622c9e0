"""Money in and out to the end, closed month by month through `recettes run` on a hand-computed case
(docs/rules.md "Receivables and dunning"): SEPA direct debits (FRST then RCUR, a return presented again), a
payer's credit applied to its oldest open invoice, refunds (asked for, then for age), a write-off (and one
refused), a dispute closed, with their entries and files.

The association: one home FH01 at 100,00 € a day, three residents paid for by the Département (D66), each
with a monthly contribution of their own: Léa DURAND 300,00 € (a SEPA mandate), Paul MARTIN 200,00 €, Núria
ROIG 250,00 €. Every resident is present every day, so the Département's invoice of a month of d days is
3 × 100,00 × d minus the three contributions: 8 550,00 € in March (31 days), 8 250,00 € in April (30 days).

- March, issued 05/04: Léa's 300,00 € are presented on 10/05 (the 10th of the month after issue, more than
  14 days after it), FRST.
- April, issued 05/05: the Département pays March 100,00 € too much on 25/04 (a credit: its credits are
  not applied, `credits.imputation.departement: false`); Paul pays March by cheque. Léa's April is presented
  on 10/06, RCUR (her first collection went out).
- May, issued 05/06: Léa's March is debited on 10/05 and settled by its end-to-end id; the Département pays
  April; the cell asks to refund 40,00 € of the Département's credit (remboursements.csv); the director writes
  off Paul's April (200,00 €), and a decision on Paul's March, paid, is refused and named. Núria disputes her
  March by phone on 20/05.
- June, issued 05/07: Léa's April is debited on 10/06 and returned on 20/06: reopened, presented again on
  10/08; the rest of the Département's credit (60,00 €, 66 days old) is refunded; Núria pays her May with a
  300,00 € cheque naming it: 50,00 € of surplus settle part of her March (oldest first) on 30/06; her dispute
  is closed by phone on 25/06, so her March (due 05/05) gets its first reminder on 05/07 for what is left.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from assets.common.warehouse import Warehouse
from assets.payments.sepa import xsd_errors
from demo.bank_files import Movement, StatementData, camt053
from pipelines.cli import main

pytestmark = pytest.mark.slow  # four closes through Dagster

D = Decimal
IBAN = "FR7630006000011234567890189"
LEA_IBAN = "FR7630004000031234567890143"
D66_IBAN = "FR7610107001011234567890129"
SETTINGS = f"""association:
  nom: Association test
  siret: "12345678901234"
  adresse: 1 rue du Test, 66000 Perpignan
  iban: {IBAN}
  bic: AGRIFRPP
sepa:
  ics: FR72ZZZ123456
credits:
  imputation:
    departement: false
"""
REFERENTIAL = {
    "etablissements.csv": "code_etablissement;nom;type;capacite\nFH01;Foyer Les Albères;FH;10\n",
    "financeurs.csv": f"code_financeur;nom;type;siret;iban\nD66;Département 66;departement;22660000100011;{D66_IBAN}\n",
    "usagers.csv": "id_usager;nom;prenom\n000001;DURAND;Léa\n000002;MARTIN;Paul\n000003;ROIG;Núria\n",
    "sejours.csv": "id_usager;code_etablissement;date_entree;date_sortie;modalite\n"
    "000001;FH01;01/01/2025;;internat\n000002;FH01;01/01/2025;;internat\n000003;FH01;01/01/2025;;internat\n",
    "prises_en_charge.csv": "id_usager;code_financeur;code_etablissement;date_debut;date_fin;statut\n"
    "000001;D66;FH01;01/01/2025;;accordee\n000002;D66;FH01;01/01/2025;;accordee\n"
    "000003;D66;FH01;01/01/2025;;accordee\n",
    "tarifs.csv": "code_etablissement;modalite;date_debut;date_fin;prix_journee;nature\n"
    "FH01;internat;01/01/2025;;100,00;definitif\n",
    "contributions.csv": "id_usager;date_debut;date_fin;montant_mensuel\n"
    "000001;01/01/2025;;300,00\n000002;01/01/2025;;200,00\n000003;01/01/2025;;250,00\n",
    "mandats.csv": f"code_financeur;iban;bic;rum;date_signature;date_fin;sequence\n"
    f"U1;{LEA_IBAN};;RUM-000001;01/02/2025;;\n",  # the payer code as Excel saves it
}
MONTHS = {"2025-03": dt.date(2025, 4, 5), "2025-04": dt.date(2025, 5, 5), "2025-05": dt.date(2025, 6, 5),
          "2025-06": dt.date(2025, 7, 5)}  # fmt: skip


def _activity(home: Path, month: str) -> None:
    first = dt.date.fromisoformat(f"{month}-01")
    days = [first + dt.timedelta(days=i) for i in range(31) if (first + dt.timedelta(days=i)).month == first.month]
    lines = ["code_etablissement;id_usager;date;code"]
    lines += [f"FH01;{r};{d:%d/%m/%Y};P" for r in ("000001", "000002", "000003") for d in days]
    folder = home / "entrees" / "activite" / month
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "FH01.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _statement(home: Path, month: str, number: int, opening: D, moves: list[Movement]) -> D:
    first = dt.date.fromisoformat(f"{month}-01")
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    data = StatementData(IBAN, "AGRIFRPP", "ASSOCIATION TEST", "EUR", number, first, last, opening, tuple(moves))
    folder = home / "entrees" / "banque"
    folder.mkdir(parents=True, exist_ok=True)
    created = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(6))
    (folder / f"releve_{month}.xml").write_bytes(camt053([data], created, f"RS-{month}"))
    return data.closing_balance


def _write(home: Path, path: str, text: str) -> None:
    target = home / "entrees" / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def _run(home: Path, month: str) -> int:
    return main(["--home", str(home), "run", "--month", month, "--date-emission", MONTHS[month].isoformat()])


def _number(con, payer: str, month: str) -> str:
    return con.execute(
        "SELECT number FROM documents WHERE payer_code = ? AND service_month = ? AND type = 'facture'", [payer, month]
    ).fetchone()[0]


FILES_BEFORE: dict[str, bytes] = {}  # the treasury files of June before its close is run again


@pytest.fixture(scope="module")
def closed(tmp_path_factory):
    home = tmp_path_factory.mktemp("tresorerie") / "home"
    (home / "entrees" / "referentiel").mkdir(parents=True)
    (home / "parametrage.yaml").write_text(SETTINGS, encoding="utf-8")
    for name, text in REFERENTIAL.items():
        (home / "entrees" / "referentiel" / name).write_text(text, encoding="utf-8")
    for month in MONTHS:
        _activity(home, month)
    warehouse = Warehouse(home / "entrepot.duckdb")
    codes = {}
    balance = D("1000.00")
    _statement(home, "2025-03", 1, balance, [])
    codes["2025-03"] = _run(home, "2025-03")
    with warehouse.connect() as con:
        march = {p: _number(con, p, "2025-03") for p in ("D66", "U000001", "U000002", "U000003")}
    balance = _statement(home, "2025-04", 2, balance, [
        Movement(dt.date(2025, 4, 25), D("8650.00"), "VIR SEPA RECU", f"REGLEMENT {march['D66']}", "V1",
                 "DEPARTEMENT 66", D66_IBAN),
        Movement(dt.date(2025, 4, 28), D("200.00"), "REMISE CHEQUES", f"CHQ {march['U000002']}", "C1", "MARTIN PAUL"),
    ])  # fmt: skip
    codes["2025-04"] = _run(home, "2025-04")
    with warehouse.connect() as con:
        april = {p: _number(con, p, "2025-04") for p in ("D66", "U000001", "U000002", "U000003")}
    balance = _statement(home, "2025-05", 3, balance, [
        Movement(dt.date(2025, 5, 10), D("300.00"), "PRLV SEPA", f"FACTURE {march['U000001']}", "P1", "DURAND LEA",
                 LEA_IBAN, march["U000001"]),
        Movement(dt.date(2025, 5, 26), D("8250.00"), "VIR SEPA RECU", f"REGLEMENT {april['D66']}", "V2",
                 "DEPARTEMENT 66", D66_IBAN),
    ])  # fmt: skip
    _write(home, "relances/remboursements.csv", "code_financeur;montant;motif\nD66;40,00;trop-perçu de mars\n")
    _write(
        home,
        "relances/non_valeurs.csv",
        "numero_facture;montant;date_decision;motif\n"
        f"{april['U000002']};200,00;20/05/2025;créance irrécouvrable\n"
        f"{march['U000002']};200,00;20/05/2025;déjà payée\n",
    )
    _write(
        home,
        "relances/appels.csv",
        "date;cible;interlocuteur;resultat;date_promesse;montant_promis;commentaire\n"
        f"20/05/2025;{march['U000003']};tutrice;litige;;;conteste des absences\n",
    )
    codes["2025-05"] = _run(home, "2025-05")
    with warehouse.connect() as con:
        may = {p: _number(con, p, "2025-05") for p in ("D66", "U000001", "U000002", "U000003")}
    _statement(home, "2025-06", 4, balance, [
        Movement(dt.date(2025, 6, 10), D("300.00"), "PRLV SEPA", f"FACTURE {april['U000001']}", "P2", "DURAND LEA",
                 LEA_IBAN, april["U000001"]),
        Movement(dt.date(2025, 6, 15), D("300.00"), "REMISE CHEQUES", f"CHQ {may['U000003']}", "C2", "ROIG NURIA"),
        Movement(dt.date(2025, 6, 20), D("-300.00"), "IMPAYE PRLV", f"RETOUR {april['U000001']}", "R1",
                 "DURAND LEA", LEA_IBAN, april["U000001"], reversal=True, return_reason="AM04"),
    ])  # fmt: skip
    with (home / "entrees" / "relances" / "appels.csv").open("a", encoding="utf-8") as f:
        f.write(f"25/06/2025;{march['U000003']};tutrice;litige_clos;;;absences justifiées\n")
    codes["2025-06"] = _run(home, "2025-06")
    with warehouse.connect() as con:
        refunds_before = con.execute("SELECT count(*) FROM refunds").fetchone()[0]
    FILES_BEFORE.update({p.name: p.read_bytes() for p in (home / "sorties" / "2025-06" / "tresorerie").iterdir()})
    codes["again"] = _run(home, "2025-06")  # a re-run refunds, presents and writes off nothing more
    return home, warehouse, codes, march, april, may, refunds_before


def test_every_close_exits_0_and_a_rerun_writes_the_same_treasury_files(closed):
    home, _, codes, *_ = closed
    assert codes == {"2025-03": 0, "2025-04": 0, "2025-05": 0, "2025-06": 0, "again": 0}
    folder = home / "sorties" / "2025-06" / "tresorerie"
    assert sorted(FILES_BEFORE) == [
        "non_valeurs.csv",
        "prelevements.csv",
        "prelevements.xml",
        "remboursements.csv",
        "remboursements.xml",
    ]
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == FILES_BEFORE


def _rows(warehouse: Warehouse, query: str, *params: object) -> list[tuple]:
    with warehouse.connect() as con:
        return con.execute(query, list(params)).fetchall()


def _local(element, name: str) -> list:
    return element.xpath(f".//*[local-name() = '{name}']")


def test_direct_debits_presented_frst_then_rcur_and_a_return_presented_again(closed):
    home, warehouse, _, march, april, may, _ = closed
    june = _rows(warehouse, "SELECT number FROM documents WHERE service_month = '2025-06' AND payer_code = 'U000001'")
    assert _rows(
        warehouse, "SELECT number, amount, collection_date, sequence, run_month FROM collections ORDER BY seq"
    ) == [
        (march["U000001"], D("300.00"), dt.date(2025, 5, 10), "FRST", "2025-03"),
        (april["U000001"], D("300.00"), dt.date(2025, 6, 10), "RCUR", "2025-04"),
        (may["U000001"], D("300.00"), dt.date(2025, 7, 10), "RCUR", "2025-05"),
        (april["U000001"], D("300.00"), dt.date(2025, 8, 10), "RCUR", "2025-06"),  # returned on 20/06
        (june[0][0], D("300.00"), dt.date(2025, 8, 10), "RCUR", "2025-06"),
    ]
    # the debit of 10/05 settled March by its end-to-end id; April's was returned, so April is open again
    assert _rows(
        warehouse,
        "SELECT number, open_amount, letter FROM invoice_balances WHERE number IN (?, ?) ORDER BY number",
        march["U000001"],
        april["U000001"],
    ) == [
        (march["U000001"], D("0.00"), "AA"),
        (april["U000001"], D("300.00"), None),
    ]
    # the dunning waits for the collections to come (April's presented again), the month after too
    assert _rows(
        warehouse, "SELECT month, number, reason FROM dunning_holds WHERE reason = 'prelevement' ORDER BY 1"
    ) == [
        ("2025-05", april["U000001"], "prelevement"),
        ("2025-06", april["U000001"], "prelevement"),
    ]
    files = {}
    for month in ("2025-03", "2025-06"):
        xml = (home / "sorties" / month / "tresorerie" / "prelevements.xml").read_bytes()
        assert xsd_errors(xml) == []
        files[month] = etree.fromstring(xml)
    march_file, june_file = files["2025-03"], files["2025-06"]
    assert [e.text for e in _local(march_file, "EndToEndId")] == [march["U000001"]]
    assert [e.text for e in _local(march_file, "SeqTp")] == ["FRST"]
    assert [e.text for e in _local(march_file, "ReqdColltnDt")] == ["2025-05-10"]
    assert [e.text for e in _local(march_file, "MndtId")] == ["RUM-000001"]
    assert [e.text for e in _local(_local(march_file, "CdtrSchmeId")[0], "Id")][-1] == "FR72ZZZ123456"
    assert [e.text for e in _local(june_file, "EndToEndId")] == [april["U000001"], june[0][0]]
    assert [e.text for e in _local(june_file, "CtrlSum")] == ["600.00", "600.00"]
    assert [e.text for e in _local(june_file, "SeqTp")] == ["RCUR"]
    # the invoice announces it
    pdf = home / "sorties" / "2025-03" / "factures" / f"{march['U000001']}.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "prélevé le 10/05/2025 sur votre compte se terminant par 0143 (mandat\nRUM-000001" in text


def test_a_credit_is_applied_to_the_oldest_open_invoice_and_the_letter_says_so(closed):
    home, warehouse, _, march, _, may, _ = closed
    # Núria's cheque of 300,00 € named May (250,00 €): its 50,00 € of surplus settle part of March on 30/06
    assert _rows(
        warehouse,
        "SELECT line_id, number, amount, rule, allocated_on FROM allocations WHERE line_id = 'CAMT-C2' ORDER BY seq",
    ) == [
        ("CAMT-C2", may["U000003"], D("250.00"), "reference", dt.date(2025, 6, 15)),
        ("CAMT-C2", march["U000003"], D("50.00"), "credit", dt.date(2025, 6, 30)),
    ]
    assert _rows(warehouse, "SELECT status, unallocated FROM line_states WHERE line_id = 'CAMT-C2'") == [
        ("rapproche", D("0.00"))
    ]
    # her bank entry shares the cheque between the two invoices on her account
    assert _rows(
        warehouse, "SELECT invoice, credit FROM entries WHERE source = 'CAMT-C2' AND account = '411' ORDER BY invoice"
    ) == [
        (march["U000003"], D("50.00")),
        (may["U000003"], D("250.00")),
    ]
    # the dispute closed on 25/06, March is reminded on 05/07 for what is left of it
    assert _rows(warehouse, "SELECT number, level, day, amount FROM reminders WHERE number = ?", march["U000003"]) == [
        (march["U000003"], "relance1", dt.date(2025, 7, 5), D("200.00"))
    ]
    assert _rows(warehouse, "SELECT month, reason FROM dunning_holds WHERE number = ?", march["U000003"]) == [
        ("2025-05", "litige")
    ]
    letter = home / "sorties" / "2025-06" / "recouvrement" / "relances" / "2025-07-05_U000003_relance1.pdf"
    text = subprocess.run(["pdftotext", str(letter), "-"], capture_output=True, text=True).stdout
    assert "imputé sur ces factures à hauteur de 50,00" in " ".join(text.split())
    aged = (home / "sorties" / "2025-06" / "recouvrement" / "balance_agee.csv").read_text(encoding="utf-8")
    assert "U000003;ROIG Núria;0,00;250,00;200,00;0,00;0,00;450,00" in aged  # April 26 days late, March 56


def test_the_departements_credit_is_refunded_once_as_asked_then_for_its_age(closed):
    home, warehouse, _, march, _, _, refunds_before = closed
    assert _rows(
        warehouse,
        "SELECT refund_id, payer_code, line_id, amount, decided_on, execution_date, source FROM refunds ORDER BY seq",
    ) == [
        (
            "RB-2025-05-0001",
            "D66",
            "CAMT-V1",
            D("40.00"),
            dt.date(2025, 5, 31),
            dt.date(2025, 6, 2),
            "demande:D66;40.00;trop-perçu de mars;1",
        ),
        ("RB-2025-06-0001", "D66", "CAMT-V1", D("60.00"), dt.date(2025, 6, 30), dt.date(2025, 7, 1), "delai"),
    ]
    assert refunds_before == 2  # the re-run of June refunded nothing more
    # not applied to its invoices (credits.imputation.departement: false): the Département's credit was refunded
    assert _rows(warehouse, "SELECT count(*) FROM allocations WHERE rule = 'credit' AND line_id = 'CAMT-V1'") == [(0,)]
    assert _rows(warehouse, "SELECT status, allocated, unallocated FROM line_states WHERE line_id = 'CAMT-V1'") == [
        ("rapproche", D("8550.00"), D("0.00"))
    ]
    xml = (home / "sorties" / "2025-05" / "tresorerie" / "remboursements.xml").read_bytes()
    assert xsd_errors(xml) == []
    root = etree.fromstring(xml)
    assert [e.text for e in _local(root, "EndToEndId")] == ["RB-2025-05-0001"]
    assert [e.text for e in _local(root, "InstdAmt")] == ["40.00"]
    assert [e.text for e in _local(root, "ReqdExctnDt")] == ["2025-06-02"]
    assert [e.text for e in _local(root, "IBAN")] == [IBAN, D66_IBAN]
    # entries: debit the Département's 411, credit the bank, on the month's end
    assert _rows(
        warehouse,
        "SELECT export_month, journal, entry_date, account, aux, debit, credit FROM entries "
        "WHERE kind = 'remboursement' ORDER BY entry_num, account",
    ) == [
        ("2025-05", "BQ", dt.date(2025, 5, 31), "411", "D66", D("40.00"), D("0.00")),
        ("2025-05", "BQ", dt.date(2025, 5, 31), "512", "", D("0.00"), D("40.00")),
        ("2025-06", "BQ", dt.date(2025, 6, 30), "411", "D66", D("60.00"), D("0.00")),
        ("2025-06", "BQ", dt.date(2025, 6, 30), "512", "", D("0.00"), D("60.00")),
    ]
    # the Département's 411 comes back to what its open invoices are: the credit is gone
    assert _rows(warehouse, "SELECT sum(debit - credit) FROM entries WHERE account = '411' AND aux = 'D66'") == [
        (D("8550.00"),)  # May's invoice, issued 05/06, open; June's is entered in July's file
    ]


def test_a_write_off_settles_its_invoice_and_a_decision_on_a_paid_one_is_refused(closed):
    home, warehouse, _, march, april, _, _ = closed
    assert _rows(warehouse, "SELECT number, payer_code, amount, decided_on, run_month FROM write_offs") == [
        (april["U000002"], "U000002", D("200.00"), dt.date(2025, 5, 20), "2025-05")
    ]
    assert _rows(
        warehouse,
        "SELECT open_amount, written_off, letter, settled_on FROM invoice_balances WHERE number = ?",
        april["U000002"],
    ) == [(D("0.00"), D("200.00"), "AB", dt.date(2025, 5, 20))]
    assert _rows(
        warehouse,
        "SELECT journal, entry_date, account, aux, debit, credit, letter FROM entries WHERE kind = 'non_valeur' "
        "ORDER BY account DESC",
    ) == [
        ("OD", dt.date(2025, 5, 20), "654", "", D("200.00"), D("0.00"), ""),
        ("OD", dt.date(2025, 5, 20), "411", "U000002", D("0.00"), D("200.00"), "AB"),
    ]
    # never chased again: no reminder, not in the aged balance of May
    assert _rows(warehouse, "SELECT count(*) FROM reminders WHERE number = ?", april["U000002"]) == [(0,)]
    aged = (home / "sorties" / "2025-05" / "recouvrement" / "balance_agee.csv").read_text(encoding="utf-8")
    assert "\nU000002;" not in aged and "\nU000003;ROIG Núria;250,00;250,00;0,00;0,00;0,00;500,00\n" in aged
    assert _rows(
        warehouse,
        "SELECT month, path, line, column_name, value, reason FROM quarantine WHERE scope = 'tresorerie' "
        "ORDER BY month",
    ) == [
        (month, "relances/non_valeurs.csv", 3, "numero_facture", march["U000002"], "facture soldée : rien à admettre")
        for month in ("2025-05", "2025-06")
    ]


def test_the_treasury_files_and_the_directors_report_list_them(closed):
    home, _, _, march, april, _, _ = closed
    folder = home / "sorties" / "2025-05" / "tresorerie"
    assert (folder / "non_valeurs.csv").read_text(encoding="utf-8-sig") == (
        "numero_facture;code_financeur;montant;date_decision;motif\n"
        f"{april['U000002']};U000002;200,00;2025-05-20;créance irrécouvrable\n"
    )
    assert (folder / "remboursements.csv").read_text(encoding="utf-8-sig") == (
        "id_remboursement;code_financeur;montant;date_execution;motif\n"
        "RB-2025-05-0001;D66;40,00;2025-06-02;trop-perçu de mars\n"
    )
    assert (home / "sorties" / "2025-03" / "tresorerie" / "prelevements.csv").read_text(encoding="utf-8-sig") == (
        "numero_facture;code_financeur;rum;montant;date_prelevement;sequence\n"
        f"{march['U000001']};U000001;RUM-000001;300,00;2025-05-10;FRST\n"
    )
    report = " ".join(
        (home / "sorties" / "2025-05" / "rapports" / "direction.html").read_text(encoding="utf-8").split()
    )
    assert "Prélèvements SEPA présentés à la clôture (tresorerie/prelevements.csv) : 1 pour" in report
    assert f'<td>{april["U000002"]}</td><td>U000002</td><td>non-valeur</td><td class="num">200,00 €</td>' in report
    assert (
        '<td>RB-2025-05-0001</td><td>D66</td><td>remboursement</td><td class="num">40,00 €</td><td>02/06/2025</td>'
        in report
    )
