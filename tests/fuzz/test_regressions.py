"""One test per fault the fuzzing (or reading the parsers for it) found: the input that triggered it, and the
clean rejection or the value kept that replaced the crash, the hang or the silent loss."""

from __future__ import annotations

import datetime as dt
import os
import time
from decimal import Decimal

import polars as pl
import pytest

import assets.common.csvfile as csvfile
from assets.accounting.fec import read_fec, validate
from assets.common.csvfile import Reject, UnreadableFile, decode, parse_csv_text
from assets.common.settings_file import SettingsError, parse_settings
from assets.ingest.activity import parse_activity
from assets.ingest.referential import parse_referential
from assets.payments.camt import CamtError, parse_camt
from assets.payments.cfonb import CfonbError, parse_cfonb120
from assets.payments.loading import LINE_SCHEMA, _row, parse_bank_file
from assets.payments.manual import parse_manual_receipts
from tests.conftest import NOW, REFERENTIAL, SETTINGS
from tests.fuzz.hostile import CAMT_SAMPLES, time_limit

# ------------------------------------------------------------------------------------------------ camt

ENTRY = (
    "<Ntry><Amt Ccy='EUR'>{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>{dates}"
    "<NtryDtls><TxDtls><Refs><EndToEndId>E2E-1</EndToEndId></Refs></TxDtls></NtryDtls></Ntry>"
)


def camt(amount: str = "10.00", dates: str = "<BookgDt><Dt>2026-03-02</Dt></BookgDt>", head: str = "") -> bytes:
    return (
        "<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'><BkToCstmrStmt><Stmt>\n"
        f"<Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></Acct>{head}\n"
        + ENTRY.format(amount=amount, dates=dates)
        + "\n</Stmt></BkToCstmrStmt></Document>"
    ).encode()


@pytest.mark.parametrize(
    "text", ["2026-13-01", "2026-02-30", "NaN", "١٢/٠٣/٢٠٢٥", "２０２６-０３-０２", "000000", "", "20260302"]
)
def test_camt_unreadable_date_is_a_clean_rejection(text):
    """Was: ValueError from date.fromisoformat."""
    with pytest.raises(CamtError) as err:
        parse_camt(camt(dates=f"<BookgDt><Dt>{text}</Dt></BookgDt>"), "r.xml")
    if text:
        assert str(err.value) == f"r.xml, ligne 3 : date « {text} » invalide, AAAA-MM-JJ attendu (écriture 1)"
    else:  # an empty date is no date: the entry has none at all
        assert str(err.value) == "r.xml, ligne 3 : écriture 1 sans date (ni comptabilisation, ni valeur, ni relevé)"


def test_camt_entry_without_booking_date_takes_the_value_date_then_the_statements():
    """Was: TypeError formatting the missing booking date into the id of an entry with an EndToEndId, and
    a NULL booking date (a NOT NULL column of bank_lines) for the others."""
    (statement,) = parse_camt(camt(dates="<ValDt><Dt>2026-03-04</Dt></ValDt>"))
    assert [(x.booking_date, x.value_date, x.line_id) for x in statement.lines] == [
        (dt.date(2026, 3, 4), dt.date(2026, 3, 4), "CAMT-E2E-E2E-1-20260304-10.00")
    ]
    (statement,) = parse_camt(camt(dates="", head="<FrToDt><ToDtTm>2026-03-31T23:59:59</ToDtTm></FrToDt>"))
    assert [(x.booking_date, x.value_date) for x in statement.lines] == [(dt.date(2026, 3, 31), None)]
    name = "camt053/subite_camt053.001.08_2024-04-11.xml"  # a real export without BookgDt: its balances' date
    dates = {x.booking_date for s in parse_camt(CAMT_SAMPLES[name]) for x in s.lines}
    assert dates == {dt.date(2024, 4, 11)}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("NaN", "montant illisible « NaN »"),
        ("sNaN", "montant illisible « sNaN »"),
        ("Infinity", "montant illisible « Infinity »"),
        ("1e999", "montant illisible « 1e999 »"),
        ("1E2", "montant illisible « 1E2 »"),
        ("1_000.00", "montant illisible « 1_000.00 »"),
        ("١٢.٥٠", "montant illisible « ١٢.٥٠ »"),
        ("12,50", "montant illisible « 12,50 »"),
        ("6.7\n7", "montant illisible « 6.7\\n7 »"),
        ("1000000000000.00", "montant « 1000000000000.00 » hors limites"),
    ],
)
def test_camt_amounts_are_plain_decimals_within_bounds(text, reason):
    """Was: Decimal() accepted NaN, Infinity, exponents, underscores and other scripts' digits; "1e999" then
    raised InvalidOperation in the loader, "sNaN" in any comparison."""
    with pytest.raises(CamtError) as err:
        parse_bank_file(camt(amount=text), "banque/r.xml")
    assert str(err.value) == f"banque/r.xml, ligne 3 : {reason} (écriture 1)"


def test_camt_message_shows_a_short_balance_code():
    """Found by the longer random run: a balance code of 5,000 characters was echoed whole in the message."""
    balance = "<Bal><Tp><CdOrPrtry><Cd>" + "9" * 5000 + "</Cd></CdOrPrtry></Tp><Amt>NaN</Amt></Bal>"
    with pytest.raises(CamtError) as err:
        parse_camt(camt(head=balance), "r.xml")
    assert str(err.value) == "r.xml, ligne 2 : montant illisible « NaN » (solde " + "9" * 19 + "…)"


def test_camt_syntax_error_message_is_one_line():
    """Was: libxml2's message ends with a line break, the message spilled on two lines."""
    with pytest.raises(CamtError) as err:
        parse_camt(b"<\x00?xml version='1.0'?><Document/>", "r.xml")
    assert (
        str(err.value)
        == "r.xml, ligne 1 : XML illisible (Invalid character: Char 0x0 out of allowed range\\n, line 1, column 2)"
    )


# ------------------------------------------------------------------------------------------------ CFONB


def test_cfonb_amount_out_of_bounds():
    # bank, counter, currency, decimals (0), account, date, then an amount of 14 digits without decimals
    opening = "01" + "30002" + " " * 4 + "00447" + "EUR" + "0" + " " + "00000888899" + " " * 2 + "010126"
    opening = opening.ljust(90) + "9999999999999{" + " " * 16
    closing = "07" + opening[2:]
    assert len(opening) == 120 and opening[34:40] == "010126"
    with pytest.raises(CfonbError) as err:
        parse_cfonb120((opening + "\n" + closing + "\n").encode("latin-1"), "r.cfo")
    assert str(err.value) == "r.cfo, enregistrement 1, position 91 : montant « 9999999999999{ » hors limites"


# ------------------------------------------------------------------------------------------------ FEC

HEADER = "JournalCode|EcritureNum|EcritureDate|ValidDate"


def test_fec_a_run_of_carriage_returns_is_read_in_linear_time():
    """Was: the line-end pattern backtracked over the whole run at each CR: 80,000 CRs took 3 s, 1 MB hours."""
    data = (HEADER + "\r" * 1_000_000 + "VT|1|20250101|20250101\r\r\nVT|2|20250102|20250102\n").encode()
    start = time.perf_counter()
    with time_limit(10):  # the old pattern would run for hours: fail instead
        fec = read_fec(data, "g.txt")
    assert time.perf_counter() - start < 2
    assert [(line.number, line.line_end) for line in fec.lines] == [(1_000_001, "\r\r\n"), (1_000_002, "\n")]
    # the numbering of lines is unchanged: CR CR LF is one end, lone CRs one each
    fec = read_fec(b"JournalCode|EcritureNum\r\r\rVT|1\r\r\nVT|2\rVT|3", "g.txt")
    assert [(line.number, line.raw["EcritureNum"], line.line_end) for line in fec.lines] == [
        (4, "1", "\r\r\n"),
        (5, "2", "\r"),
        (6, "3", ""),
    ]


def test_fec_entry_numbers_of_any_length_are_compared():
    """Was: ValueError from int() over 4300 digits when checking the chronology (C07)."""
    long = "9" * 5000
    data = (
        "JournalCode\tEcritureNum\tEcritureDate\tValidDate\n"
        f"VT\t0{long}\t20250101\t20250101\nVT\t{long}8\t20250102\t20250102\nVT\t2\t20250103\t20250103\n"
    ).encode()
    problems = [p for p in validate(read_fec(data, "g.txt")) if p.code == "C07"]
    # in number order: 2 (03/01), then 0…9 (5000 digits, 01/01: out of order), then 9…8 (5001 digits, 02/01)
    assert [(p.lines, p.field) for p in problems] == [((2,), "EcritureNum")]


def test_fec_messages_show_short_values():
    """Found once the FEC property checked the problems' messages as it checks rejections: a 5,000-digit entry
    number, or an unknown column name, was echoed whole."""
    long = "9" * 5000
    data = "JournalCode\tEcritureNum\tEcritureDate\tValidDate\nVT\t1\t20250102\t20250102\n"
    data += f"VT\t{long}\t20250101\t20250101\n"
    messages = [p.message for p in validate(read_fec(data.encode(), "g.txt")) if p.code == "C07"]
    assert messages == [
        "g.txt, ligne 3, champ EcritureNum : journal VT, l'écriture " + "9" * 39 + "… validée le 01/01/2025 suit "
        "l'écriture 1 validée le 02/01/2025 ; les numéros doivent suivre l'ordre chronologique de validation"
    ]
    ends = "".join(f"VT|{k}" + "\r" * k + "\n" for k in range(3, 5003))  # found by the longer random run
    (problem,) = [
        p for p in validate(read_fec(("JournalCode|EcritureNum\n" + ends).encode(), "g.txt")) if p.code == "A06"
    ]
    assert problem.message == (
        "g.txt : fins de ligne mélangées (LF × 1, 3 CR + LF × 1, 4 CR + LF × 1, 5 CR + LF × 1, 6 CR + LF × 1, "
        "7 CR + LF × 1, …)"
    )
    header = "|".join(["JournalCode", "x" * 5000]) + "\nVT|1\n"
    (problem,) = [p for p in validate(read_fec(header.encode(), "g.txt")) if p.code == "A03"]
    assert len(problem.message) < 600 and problem.message.endswith("x" * 199 + "…")


# ------------------------------------------------------------------------------------------------ settings


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("d: 2026-13-45\n", "ligne 1, colonne 4 : YAML illisible (valeur « 2026-13-45 » illisible comme date)"),
        ("d: 0000-01-01\n", "ligne 1, colonne 4 : YAML illisible (valeur « 0000-01-01 » illisible comme date)"),
        ("d: !!timestamp demain\n", "ligne 1, colonne 4 : YAML illisible (valeur « demain » illisible comme date)"),
        ("i: !!int douze\n", "ligne 1, colonne 4 : YAML illisible (valeur « douze » illisible comme nombre entier)"),
        ("f: !!float x\n", "ligne 1, colonne 4 : YAML illisible (valeur « x » illisible comme nombre)"),
        ("b: !!bool peut-etre\n", "ligne 1, colonne 4 : YAML illisible (valeur « peut-etre » illisible comme booléen)"),
        (
            "s: " + "9" * 5000 + "\n",
            "ligne 1, colonne 4 : YAML illisible (valeur « " + "9" * 40 + " » illisible comme nombre entier)",
        ),
        ("a: " + "[" * 40 + "]" * 40 + "\n", "ligne 1, colonne 35 : YAML illisible (plus de 32 niveaux d'imbrication)"),
        ("a: " + "[" * 5000 + "\n", "ligne 1, colonne 35 : YAML illisible (plus de 32 niveaux d'imbrication)"),
        ("r: &r [*r]\n", "ligne 1, colonne 4 : YAML illisible (alias qui se contient lui-même)"),
        ("a: 1\nb:\n  c: 2\n  c: 3\n", "ligne 4, colonne 3 : YAML illisible (clé « c » en double (déjà ligne 3))"),
        ('n: "a\\0b"\n', "ligne 1, colonne 4 : YAML illisible (caractère interdit U+0000)"),
        ('u: "\\ud800"\n', "ligne 1, colonne 4 : YAML illisible (caractère interdit U+D800)"),
        ("a: b\x07\n", "ligne 1, colonne 5 : YAML illisible (special characters are not allowed)"),
    ],
)
def test_settings_yaml_that_safe_load_let_through_or_crashed_on(text, message):
    """Was: ValueError, KeyError, AttributeError or RecursionError from PyYAML, a duplicate key silently
    overriding the first, a control character or lone surrogate loaded into a name, no position for a
    character YAML refuses."""
    with pytest.raises(SettingsError) as err:
        parse_settings(text, "p.yaml")
    assert str(err.value) == f"p.yaml, {message}"


def test_settings_alias_bomb_is_refused_before_it_is_expanded():
    """Was: pydantic walked every alias: a 1 MB file expanding to billions of values took forever."""
    text = SETTINGS + "t: &t {base: plein}\nl: &l [" + ", ".join(["*t"] * 2000) + "]\n"
    text += "p: &p {hospitalisation: *l, convenance: *l}\nabsences: {" + ", ".join(f"k{i}: *p" for i in range(2000))
    start = time.perf_counter()
    with pytest.raises(SettingsError) as err:
        parse_settings(text + "}\n", "p.yaml")
    assert time.perf_counter() - start < 2
    assert (
        str(err.value) == "p.yaml, ligne 10, colonne 11 : YAML illisible (alias développés en plus de 100000 valeurs)"
    )
    # aliases of a reasonable size stay allowed
    shared = SETTINGS + "absences:\n  departement: &a {hospitalisation: [{base: plein}], convenance: [{base: zero}]}\n"
    assert parse_settings(shared + "  D66: *a\n").absence_policy("x", "D66").convenance[0].base == "zero"


def test_settings_messages_stay_short():
    """Was: a 200 KB value echoed whole, and one line per wrong value of a list of thousands."""
    with pytest.raises(SettingsError) as err:
        parse_settings("association: " + "x" * 200_000 + "\n", "p.yaml")
    assert str(err.value) == "p.yaml : clé « association » : dictionnaire attendu (lu : '" + "x" * 78 + "…)"
    with pytest.raises(SettingsError) as err:
        parse_settings(SETTINGS + "alertes: {destinataires: [" + ", ".join(["[1]"] * 500) + "]}\n", "p.yaml")
    lines = str(err.value).split("\n")
    assert len(lines) == 21 and lines[-1] == "p.yaml : … et 480 autre(s) erreur(s)"


def test_settings_numbers_that_later_overflow():
    """Was: a tier bound beyond 32 bits broke the valuation's tiers table, an SMTP port beyond 65535 the mail."""
    with pytest.raises(SettingsError, match=r"clé « absences\.departement\.hospitalisation\.0\.jusqu_a » : "):
        parse_settings(
            SETTINGS + "absences: {departement: {hospitalisation: [{jusqu_a: 99999999999, base: plein}, "
            "{base: zero}], convenance: [{base: zero}]}}\n"
        )
    with pytest.raises(SettingsError, match=r"clé « alertes\.smtp\.port » : "):
        parse_settings(SETTINGS + "alertes: {smtp: {hote: h, expediteur: e, port: 99999999}}\n")


# ------------------------------------------------------------------------------------------------ CSV


def test_csv_header_echo_is_one_short_line():
    """Was: the header read was echoed whole, line breaks included."""
    with pytest.raises(UnreadableFile) as err:
        parse_activity(('"a\nb";' + "y" * 500 + ";id_usager\n").encode(), "a.csv", "2025-03")
    assert str(err.value) == (
        "a.csv, ligne 1 : colonne(s) obligatoire(s) absente(s) : code_etablissement (en-tête lu : a\\nb; "
        + "y" * 153
        + "…)"
    )


def test_csv_too_many_rows_set_aside_refuse_the_file(monkeypatch):
    """Was: each bad row of a 256 MB file kept in memory (a 2-byte row costs 100 bytes or more)."""
    monkeypatch.setattr(csvfile, "MAX_REJECTS", 5)
    data = b"code_etablissement;id_usager;date;code\nFH01;1;01/03/2025;P\n" + b"x\n" * 6
    with pytest.raises(UnreadableFile) as err:
        parse_activity(data, "a.csv", "2025-03")
    assert str(err.value) == (
        "a.csv : plus de 5 lignes écartées, le fichier n'a pas la forme attendue "
        "(première : ligne 3, colonne id_usager : 1 champ(s) au lieu de 4)"
    )
    grid = "code_etablissement;id_usager;J01;J02;J03\n" + "FH01;1;X;X;X\n" * 2
    with pytest.raises(UnreadableFile) as err:
        parse_activity(grid.encode(), "g.csv", "2025-03")
    assert str(err.value) == (
        "g.csv : plus de 5 lignes écartées, le fichier n'a pas la forme attendue "
        "(première : ligne 2, colonne J01 : code inconnu, attendu : P, H, C ou F)"
    )
    five = b"code_etablissement;id_usager;date;code\nFH01;1;01/03/2025;P\n" + b"x\n" * 5
    assert len(parse_activity(five, "a.csv", "2025-03").rejects) == 5


def test_csv_field_over_the_csv_limit_says_so():
    data = b'code_etablissement;id_usager\nFH01;"' + b"x" * 200_000 + b'"\n'
    with pytest.raises(UnreadableFile) as err:
        text, encoding = decode(data, "a.csv")
        parse_csv_text(text, "a.csv", {"code_etablissement", "id_usager"}, encoding)
    assert str(err.value) == "a.csv, ligne 2 : champ de plus de 131072 caractères (guillemet non fermé ?)"


def test_csv_blank_lines_and_rows_keep_their_numbers():
    text = "code_etablissement;id_usager\n\n\nFH01;1\n;\n\r\nFH02;2"
    table = parse_csv_text(text, "a.csv", {"code_etablissement", "id_usager"})
    assert [(line, cells["code_etablissement"]) for line, cells in table.rows] == [(4, "FH01"), (7, "FH02")]
    with pytest.raises(UnreadableFile, match=r"^a.csv, ligne 5 : fichier tronqué, la dernière ligne est incomplète"):
        parse_csv_text("code_etablissement;id_usager\n\n\n\nFH02", "a.csv", {"code_etablissement", "id_usager"})


# ------------------------------------------------------------------------------------------------ amounts stored


def test_referential_amounts_and_delays_that_would_not_be_stored():
    """Was: a daily rate of 10^20 became NULL in the rates frame (polars' DECIMAL(18, 2) cannot hold it), and a
    payment delay of 999,999,999 days broke the due date of every invoice of that payer."""
    files = {name: text.encode() for name, text in REFERENTIAL.items()}
    files["tarifs.csv"] = (
        b"code_etablissement;modalite;date_debut;date_fin;prix_journee;nature\n"
        b"FH01;internat;01/01/2025;;100000000000000000000,00;reconduit\nIME01;semi_internat;01/01/2025;;189,60;definitif\n"
    )
    files["financeurs.csv"] = (
        "code_financeur;nom;type;delai_paiement_jours\nD66;Département 66;departement;999999999\n"
        "CPAM66;CPAM;assurance_maladie;45\n"
    ).encode()
    parsed = parse_referential(files)
    assert parsed.frames["rates"]["daily_rate"].to_list() == [Decimal("189.60")]
    assert parsed.frames["payers"]["payment_delay_days"].to_list() == [None, 45]
    assert [(r.path, r.line, r.column, r.reason, r.kept) for r in parsed.rejects] == [
        (
            "referentiel/financeurs.csv",
            2,
            "delai_paiement_jours",
            "délai de 365 jours au plus ; valeur ignorée, ligne conservée",
            True,
        ),
        ("referentiel/tarifs.csv", 2, "prix_journee", "montant hors limites (1 000 milliards d'euros au plus)", False),
    ]


def test_a_referential_amount_of_a_million_or_more_is_taken_for_a_typing_error():
    files = {name: text.encode() for name, text in REFERENTIAL.items()}
    files["tarifs.csv"] = (
        b"code_etablissement;modalite;date_debut;date_fin;prix_journee;nature\n"
        b"FH01;internat;01/01/2025;;1000000,00;reconduit\nIME01;semi_internat;01/01/2025;;189,60;definitif\n"
    )
    parsed = parse_referential(files)
    assert parsed.frames["rates"]["daily_rate"].to_list() == [Decimal("189.60")]
    assert [(r.path, r.line, r.reason) for r in parsed.rejects] == [
        ("referentiel/tarifs.csv", 2, "montant de 1000000 € ou plus : faute de saisie ?")
    ]


def test_manual_receipt_amount_that_would_not_be_stored():
    """Was: 10^20 read as a receipt, then NULL in bank_lines (DECIMAL(18, 2))."""
    data = b"date;montant;mode\n05/03/2025;100000000000000000000,00;cheque\n06/03/2025;12,00;especes\n"
    lines, rejects = parse_manual_receipts(data, "encaissements/m.csv")
    assert [str(x.amount) for x in lines] == ["12.00"]
    assert rejects == [
        Reject(
            "encaissements/m.csv",
            2,
            "montant",
            "100000000000000000000,00",
            "montant hors limites (1 000 milliards d'euros au plus)",
        )
    ]
    rows = [_row(x, "encaissements", "m.csv", "2025-03", NOW) for x in lines]
    assert pl.DataFrame(rows, schema=LINE_SCHEMA, orient="row")["amount"].null_count() == 0


# ------------------------------------------------------------------------------------------------ inputs inside

LINK = "lien symbolique, refusé, non lu (il peut mener hors du dossier de données) ; déposez le fichier lui-même"


def test_the_phone_log_and_the_ledger_are_not_read_through_a_link(tmp_path):
    """Was: relances/appels.csv and comptabilite/*.txt were read wherever their link led (a ledger of another
    association, /etc/passwd); now refused by name, unread, like an unreadable file."""
    from assets.accounting.entry_file import check_reciprocity
    from assets.common.warehouse import Warehouse
    from assets.receivables.call_log import load_calls

    entrees = tmp_path / "home" / "entrees"
    (entrees / "relances").mkdir(parents=True)
    (entrees / "comptabilite").mkdir()
    calls = tmp_path / "appels.csv"
    calls.write_text("date;cible;resultat\n2025-03-03;D66;promesse\n", encoding="utf-8")
    os.symlink(calls, entrees / "relances" / "appels.csv")
    os.symlink("/etc/passwd", entrees / "comptabilite" / "grand_livre.txt")
    with Warehouse(tmp_path / "e.duckdb").connect() as con:
        assert load_calls(con, entrees, "2025-03", NOW) == ([], 1)
        summary = check_reciprocity(con, parse_settings(SETTINGS), entrees, tmp_path / "sorties", "2025-03", NOW)
        refused = con.execute("SELECT scope, path, reason FROM quarantine ORDER BY path").fetchall()
    assert summary.unreadable == {"comptabilite/grand_livre.txt": f"comptabilite/grand_livre.txt : {LINK}"}
    assert refused == [
        ("comptabilite", "comptabilite/grand_livre.txt", f"comptabilite/grand_livre.txt : {LINK}"),
        ("relances", "relances/appels.csv", f"relances/appels.csv : {LINK}"),
    ]


def test_settings_are_not_read_through_a_link_nor_from_a_fifo(tmp_path):
    from assets.common.settings_file import load_settings

    (tmp_path / "ailleurs.yaml").write_text(SETTINGS, encoding="utf-8")
    os.symlink(tmp_path / "ailleurs.yaml", tmp_path / "parametrage.yaml")
    with pytest.raises(SettingsError) as err:
        load_settings(tmp_path / "parametrage.yaml")
    assert str(err.value) == f"{tmp_path / 'parametrage.yaml'} : {LINK}"
    os.unlink(tmp_path / "parametrage.yaml")
    os.mkfifo(tmp_path / "parametrage.yaml")
    with time_limit(10), pytest.raises(SettingsError) as err:
        load_settings(tmp_path / "parametrage.yaml")
    assert str(err.value).endswith("parametrage.yaml : tube nommé (FIFO), pas un fichier ordinaire ; refusé, non lu")


def test_read_limited_refuses_a_fifo_without_hanging(tmp_path):
    """`recettes fec-check tube.txt` waited forever for a writer."""
    os.mkfifo(tmp_path / "tube.txt")
    with time_limit(10), pytest.raises(UnreadableFile) as err:
        csvfile.read_limited(tmp_path / "tube.txt", "tube.txt")
    assert str(err.value) == "tube.txt : tube nommé (FIFO), pas un fichier ordinaire ; refusé, non lu"


# ------------------------------------------------------------------------------------------------ messages


def test_a_camt_file_without_namespace_says_so_not_none():
    """Was: « ce n'est pas un message camt.052/053/054 (espace de noms « None ») »."""
    with pytest.raises(CamtError) as err:
        parse_camt(b"<html><body/></html>", "banque/page.xml")
    assert str(err.value) == (
        "banque/page.xml : ce n'est pas un message camt.052/053/054 (sans espace de noms, élément racine « html »)"
    )
    with pytest.raises(CamtError) as err:
        parse_camt(b"<Document xmlns='urn:x'/>", "banque/x.xml")
    assert "(espace de noms « urn:x », élément racine « Document »)" in str(err.value)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("evil\nAVERTISSEMENT tout va bien;x.xml", "evil\\nAVERTISSEMENT tout va bien;x.xml"),
        ("a\tb\r\x00\x1b[31m", "a\\tb\\r\\x00\\x1b[31m"),
        ("ligne\u2028suite\u202egnp.exe", "ligne\\u2028suite\\u202egnp.exe"),  # a line separator, right-to-left
        ("1\u202f234,56\xa0€ Ré", "1\u202f234,56\xa0€ Ré"),  # spaces of any width stay as they are
    ],
)
def test_texts_are_shown_on_one_line_their_controls_escaped(text, shown):
    """Was: a file name with a line break wrote a line of its own into the close summary and alertes.log
    (printable showed controls as "?", and was not used there)."""
    assert csvfile.escaped(text) == shown
    assert len(csvfile.escaped(text).splitlines()) == 1
    assert csvfile.printable(text) == shown


def test_a_shortened_text_never_ends_in_half_an_escape():
    assert csvfile.printable("a\nbcd", 3) == "a…"
    assert csvfile.printable("a\nbcd", 4) == "a\\n…"
    assert csvfile.printable("a\nb", 4) == "a\\nb"
