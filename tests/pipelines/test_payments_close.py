"""The demo's first months closed through the Dagster job with its payers: bank statements in both
formats, cash receipts and the cell's decisions, matched to the invoices actually issued; the entry files
exported, and the accounting department's ledger read back."""

import datetime as dt
import re
from decimal import Decimal

import dagster as dg
import pytest

from assets.common.months import month_end
from assets.common.warehouse import Warehouse
from demo.accounting import AccountingDepartment
from demo.generator import close_date, generate
from demo.run import Demo, play
from pipelines.close import close_month

pytestmark = pytest.mark.slow  # closes the demo's months through Dagster, opens the reports in Chromium


MONTHS = ["2024-11", "2024-12", "2025-01"]


def rows(con, query, params=None):
    return con.execute(query, params or {}).fetchall()


@pytest.fixture(scope="module")
def closed(tmp_path_factory):
    data = generate("demo", 66)
    home = tmp_path_factory.mktemp("paiements") / "home"
    accounting = AccountingDepartment(duplicate_month="2024-12", manual_month="2024-12")
    demo = Demo.create(home, data, 66, first=MONTHS[0], accounting=accounting, calls=False)
    with dg.DagsterInstance.ephemeral() as instance:
        results = [r for _, r in play(demo, MONTHS, lambda m: close_month(home, m, close_date(m), instance=instance))]
        # the cell's decisions on the last queue are applied by the next close of the month, then nothing
        decided = close_month(home, MONTHS[-1], close_date(MONTHS[-1]), instance=instance)
        before = (home / "sorties" / MONTHS[-1] / "lettrage" / "rapprochements.csv").read_bytes()
        with Warehouse(home / "entrepot.duckdb").connect() as con:
            count = rows(con, "SELECT count(*) FROM allocations")[0][0]
        again = close_month(home, MONTHS[-1], close_date(MONTHS[-1]), instance=instance)
    return home, results + [decided], before, count, again


def test_every_month_closes_and_the_bank_controls_pass(closed):
    home, results, *_ = closed
    assert [(r.exit_code, r.failed_controls, r.errors) for r in results] == [(0, [], [])] * (len(MONTHS) + 1)
    with Warehouse(home / "entrepot.duckdb").connect() as con:
        controls = rows(
            con,
            "SELECT control, status FROM control_results WHERE stage = 'encaissements' AND month = '2025-01' "
            "ORDER BY control",
        )
        assert controls == [
            ("banque_fichiers_lisibles", "ok"),
            ("banque_lignes_rejetees", "ok"),
            ("credits_non_affectes", "ok"),
            ("lettrage_coherent", "ok"),
            ("lettrage_decisions_rejetees", "ok"),
            ("lignes_non_rapprochees", "ok"),  # the cell decided on the deposits and partial cheques
            ("releves_enchaines", "ok"),
            ("releves_equilibres", "ok"),
            ("remboursements_impossibles", "ok"),
            ("tresorerie_decisions_rejetees", "ok"),
        ]
        # the printed summary of the decisions' close says what it allocated and what waits
        n, amount, settled = rows(
            con,
            "SELECT count(*), sum(amount), (SELECT count(*) FROM letters WHERE run_month = '2025-01' "
            "AND event = 'lettre') FROM allocations WHERE run_month = '2025-01'",
        )[0]
        euros = f"{amount:,.2f}".replace(",", "\u202f").replace(".", ",")
        assert (
            f"encaissements : {n} affectation(s) pour {euros}\xa0€, {settled} facture(s) soldée(s), "
            "0 ligne(s) bancaire(s) pour 0,00\xa0€ en attente de décision"
        ) in results[-1].summary
        # two statements a month (camt.053 main account, CFONB 120 second account), each balanced
        assert rows(con, "SELECT count(*), count(DISTINCT account) FROM bank_statements") == [(6, 2)]
        # every decision of the cell was applied: a deposit or a gift is not ours, a partial cheque is
        decisions = (home / "entrees" / "relances" / "lettrage_manuel.csv").read_text(encoding="utf-8").splitlines()
        assert decisions[0] == "id_ligne_bancaire;numero_facture;montant" and len(decisions) > 2
        applied = rows(
            con,
            "SELECT line_id, coalesce(number, ''), status FROM manual_decisions JOIN line_states USING (line_id) "
            "ORDER BY source_line",
        )
        assert [(x[0], x[1]) for x in applied] == [tuple(d.split(";")[:2]) for d in decisions[1:]]
        assert {x[2] for x in applied} <= {"rapproche", "hors_recettes"}


def test_automatic_matches_are_the_payers_own_and_direct_debits_settle_their_invoice(closed):
    home, *_ = closed
    with Warehouse(home / "entrepot.duckdb").connect() as con:
        # a direct debit carries its invoice number as end-to-end id: settled in full by reference,
        # unless the same statement returned it
        wrong = rows(
            con,
            """
            SELECT l.line_id FROM bank_lines l
            LEFT JOIN allocations a ON a.line_id = l.line_id
            WHERE l.end_to_end_id LIKE 'F20%' AND l.amount > 0
              AND l.line_id NOT IN (SELECT line_id FROM line_states WHERE status = 'rejete')
              AND (a.number IS DISTINCT FROM l.end_to_end_id OR a.amount <> l.amount OR a.rule <> 'reference')
            """,
        )
        assert wrong == []
        debits = rows(con, "SELECT count(*) FROM bank_lines WHERE end_to_end_id LIKE 'F20%' AND amount > 0")[0][0]
        assert debits > 50
        # every automatic allocation by payer + amount went to the payer whose account or name paid
        foreign = rows(
            con,
            """
            SELECT a.line_id, a.number FROM allocations a
            JOIN bank_lines l USING (line_id)
            JOIN documents d USING (number)
            LEFT JOIN residents r ON 'U' || r.id = d.payer_code
            LEFT JOIN payers p ON p.code = d.payer_code
            WHERE a.rule = 'payeur_montant'
              AND NOT (l.debtor_iban <> '' AND l.debtor_iban IN (replace(r.iban, ' ', ''), replace(p.iban, ' ', '')))
              AND NOT (l.payer_hint = d.payer_code)
              AND NOT (upper(l.debtor_name) LIKE '%' || upper(r.last_name) || '%')
              AND NOT (upper(l.debtor_name) = upper(p.name))
            """,
        )
        assert foreign == []
        # no invoice and no receipt allocated beyond its amount; money adds up to the cent
        (paid,) = rows(con, "SELECT sum(paid) FROM invoice_balances")[0]
        (allocated,) = rows(con, "SELECT sum(amount) FROM allocations")[0]
        assert paid == allocated and allocated > 0
        by_rule = dict(rows(con, "SELECT rule, count(*) FROM allocations GROUP BY rule"))
        assert set(by_rule) >= {"reference", "payeur_montant", "manuel"}


def test_rerunning_the_last_month_appends_nothing(closed):
    home, _, before, count, again = closed
    assert again.exit_code == 0
    with Warehouse(home / "entrepot.duckdb").connect() as con:
        assert rows(con, "SELECT count(*) FROM allocations")[0][0] == count
    assert (home / "sorties" / MONTHS[-1] / "lettrage" / "rapprochements.csv").read_bytes() == before


def test_entry_files_add_up_and_the_ledger_read_back_shows_only_the_two_deliberate_discrepancies(closed):
    home, *_ = closed
    from assets.accounting.fec import read_fec, validate

    with Warehouse(home / "entrepot.duckdb").connect() as con:
        for month in MONTHS:
            path = home / "sorties" / month / "comptabilite" / f"ecritures_{month}.txt"
            fec = read_fec(path.read_bytes(), path.name)
            assert validate(fec) == []
            # the sales journal is the documents issued in the month, the bank journal its receipts, to the cent
            days = {"first": dt.date.fromisoformat(f"{month}-01"), "last": month_end(month)}
            (documents,) = rows(
                con, "SELECT coalesce(sum(amount), 0) FROM documents WHERE issue_date BETWEEN $first AND $last", days
            )[0]
            sales = sum((x.debit - x.credit for x in fec.lines if x.journal_code == "VT" and x.compte_num == "411"), 0)
            assert sales == documents
            # every receipt and return booked in the month is entered, and the bank and cash accounts move
            # by exactly the lines entered (a line the cell later says is not ours stays on 4711 for the
            # accountant to reclassify)
            receipts = rows(
                con,
                "SELECT l.line_id, l.amount FROM bank_lines l JOIN line_states s USING (line_id) "
                "WHERE s.status IN ('rapproche', 'credit', 'non_rapproche', 'rejet', 'rejete') "
                "AND l.booking_date BETWEEN $first AND $last",
                days,
            )
            entered = dict(
                rows(
                    con,
                    "SELECT l.line_id, l.amount FROM bank_lines l WHERE l.line_id IN "
                    "(SELECT source FROM entries WHERE kind = 'encaissement' AND export_month = $month)",
                    {"month": month},
                )
            )
            assert set(dict(receipts)) <= set(entered)
            treasury = sum(
                (x.debit - x.credit for x in fec.lines if x.journal_code == "BQ" and x.compte_num in ("512", "530")), 0
            )
            # and the refunds of credits the month decided go out of the bank (411 → 512)
            (refunded,) = rows(
                con, "SELECT coalesce(sum(amount), 0) FROM refunds WHERE run_month = $month", {"month": month}
            )[0]
            assert treasury == sum(entered.values(), Decimal("0")) - refunded
        assert rows(con, "SELECT month, locked FROM accounting_exports ORDER BY month") == [(m, True) for m in MONTHS]
        found = rows(
            con, "SELECT aux, ledger - ours, explanations FROM reciprocity WHERE month = '2025-01' ORDER BY aux"
        )
    assert len(found) == 2
    twice = [r for r in found if r[2].startswith("importée deux fois : pièce ")]
    by_hand = [r for r in found if r[2].startswith("saisie en comptabilité, absente de Recettes : OD ")]
    assert len(twice) == len(by_hand) == 1
    assert twice[0][1] < 0  # a receipt counted twice lowers the 411 balance in the ledger
    assert by_hand[0][0].startswith("U") and by_hand[0][1] == Decimal("-12.50")
    assert by_hand[0][2].endswith("« Perte sur créance irrécouvrable » (-12,50)")
    csv_lines = (home / "sorties" / "2025-01" / "comptabilite" / "reciprocite.csv").read_text(encoding="utf-8")
    assert (
        csv_lines.splitlines()[0]
        == "\ufeffcode_auxiliaire;nom;solde_comptabilite;solde_recettes;ecart;explication;date;fichier"
    )
    assert len(csv_lines.splitlines()) == 3


def test_the_directors_report_ties_to_the_months_files(closed):
    import csv

    home, *_ = closed
    folder = home / "sorties" / MONTHS[-1]
    html = (folder / "rapports" / "direction.html").read_text(encoding="utf-8")
    index = (home / "sorties" / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{m}/rapports/direction.html"' in index for m in MONTHS)  # linked once written
    figures = dict(re.findall(r'data-figure="([a-z_0-9A-Z]+)">([^<]*)<', html))

    def amount(text):
        return Decimal(text.replace("\u202f", "").replace(" €", "").replace(",", "."))

    def rows(relative):
        with (folder / relative).open(encoding="utf-8-sig") as f:
            return list(csv.DictReader(f, delimiter=";"))

    def money(text):
        return Decimal(text.replace(",", "."))

    billed = sum((money(r["montant"]) for r in rows("factures/registre.csv")), Decimal("0"))
    assert amount(figures["facture"]) == amount(figures["facture_total"]) == billed
    received = sum((money(r["montant_affecte"]) for r in rows("lettrage/rapprochements.csv")), Decimal("0"))
    assert amount(figures["encaisse"]) == received
    total = next(r for r in rows("recouvrement/balance_agee.csv") if r["code_financeur"] == "TOTAL")
    assert amount(figures["creances"]) == money(total["total"])
    assert amount(figures["en_retard"]) == money(total["total"]) - money(total["non_echu"])
    # receivables once the close is done: the aged balance plus what the close issued after the month's end
    issued = sum(
        (money(r["montant"]) for r in rows("factures/registre.csv") if r["date_emission"] > str(month_end(MONTHS[-1]))),
        Decimal("0"),
    )
    assert issued > 0 and amount(figures["creances_cloture"]) == money(total["total"]) + issued
    assert amount(figures["plus_90"]) == money(total["plus_90"])
    dso = next(r for r in rows("recouvrement/dso.csv") if r["mois"] == MONTHS[-1] and r["perimetre"] == "total")
    assert figures["dso"] == f"{dso['dso_jours']} j"  # decimal comma, as the file writes it
    letters = rows("recouvrement/relances.csv")
    assert [int(figures[f"relances_{k}"].replace("\u202f", "")) for k in (1, 2, 3)] == [
        sum(1 for r in letters if r["niveau"] == level) for level in ("relance1", "relance2", "mise_en_demeure")
    ]
    late = {k[len("retard_") :]: amount(v) for k, v in figures.items() if k.startswith("retard_")}
    aged = {
        r["code_financeur"]: money(r["total"]) - money(r["non_echu"]) for r in rows("recouvrement/balance_agee.csv")
    }
    assert late and all(aged[code] == value for code, value in late.items())
    assert sorted(late.values(), reverse=True) == list(late.values())  # the largest first
    occupancy = rows("rapports/occupation.csv")
    assert {r["code_etablissement"] for r in occupancy} == {"FH01", "FV01", "FAM01", "MAS01", "IME01", "ESAT01"}
    for r in occupancy:
        shown = figures[f"occupation_{r['code_etablissement']}"]
        percent = (money(r["taux_occupation"] or "0") * 100).quantize(Decimal("0.1"), rounding="ROUND_HALF_UP")
        expected = f"{percent} %".replace(".", ",") if r["taux_occupation"] else "–"
        assert shown == expected
    # Plotly's library once, one call per chart drawn; a chart without data is a sentence (none in this month)
    drawn = html.count('class="plotly-graph-div"')
    assert html.count('<div class="chart">') == drawn == 4
    assert html.count("<script") == 1 + drawn
    markup = re.sub(r"<script[^>]*>.*?</script>", "", html, flags=re.S)
    assert not re.search(r'(src|href)="(https?:)?//', markup)  # nothing the page loads from elsewhere


# Every chart drawn, then what the reader sees of it, measured until two frames apart give the same boxes
# (Plotly widens its margins for the legend and the tick labels in a second pass).
CHARTS_DRAWN = """Array.from(document.querySelectorAll('.plotly-graph-div'))
    .every(d => d.querySelector('.main-svg .xtick text') && d.querySelector('.main-svg .ytick text'))"""
MEASURE = """async () => {
    const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
    const measure = () => Array.from(document.querySelectorAll('.js-plotly-plot')).map(plot => ({
        legends: Array.from(plot.querySelectorAll('.legend')).map(box),
        labels: Array.from(plot.querySelectorAll('.xtick text, .ytick text, .g-xtitle text, .g-ytitle text'))
            .map(e => [e.textContent, ...box(e)]),
    }));
    const frames = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    let last = '';
    for (let i = 0; i < 20; i++) {
        const now = JSON.stringify(measure());
        if (now === last) break;
        last = now;
        await frames();
    }
    return JSON.parse(last);
}"""
VISIBLE_TEXT = """() => [
    document.body.innerText,
    ...Array.from(document.querySelectorAll('svg text')).map(t => t.textContent),
    ...Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap(
        p => p.data.flatMap(t => [t.name || '', ...(t.customdata || [])])),
].join('\\n')"""
HEADLINES = """() => Array.from(document.querySelectorAll('.card .n, .card .delta span')).map(e => {
    const range = document.createRange();
    range.selectNodeContents(e);
    return [e.textContent, range.getClientRects().length, e.scrollWidth <= e.clientWidth];
})"""


def overlaps(a, b):
    """Whether two boxes [left, top, right, bottom] share some area."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def english_numbers(text):
    r"""Numbers written the English way in `text`, which French writes otherwise:

    - `\d+([.,]\d+)?[kMGT]\b`: an SI suffix stuck to its number ("300k", "1.5M"); French writes "300 k€", "1,5 M€";
    - `\d\.\d`: a decimal point ("41.2", "0.5"); French writes a comma ("41,2"). Our identifiers and file
      names have no point between digits;
    - `\d{1,3}(,\d{3})+` not within a longer number: comma thousands ("1,226,320"); our decimals have one or
      two digits after the comma ("41,2", "12,50"), never three;
    - `\d%`: a percentage without its space ("95%"); French writes "95 %";
    - four digits or more without thousands separator ("1260", "8803,57"), unless part of an identifier
      (F2025-000162, U000027, RB-2025-01-0001) or a date, and not a year 1900–2099 ("janvier 2025"), which a
      count of 1 900 to 2 099 written "1900" would pass."""
    rules = [
        r"\d+(?:[.,]\d+)?[kMGT]\b",
        r"\d\.\d",
        r"(?<![\d,])\d{1,3}(?:,\d{3})+(?![\d,])",
        r"\d%",
        r"(?<![\w/.,\-])(?!(?:19|20)\d\d\b)\d{4,}\b(?![/\-])",
    ]
    return [m.group() for rule in rules for m in re.finditer(rule, text)]


def test_english_numbers_are_found_and_french_ones_pass():
    english = "300k −0.5 1.2M 1,226,320 95% 1260 jours, 8803,57 € 0,5M€"
    assert english_numbers(english) == [
        "300k", "1.2M", "0,5M", "0.5", "1.2", "1,226,320", "5%", "1260", "8803"
    ]  # fmt: skip
    french = (
        "1\u202f226\u202f320,15\u00a0€ 300\u00a0k€ 1,2\u00a0M€ 95,5 % 41,2 j 1\u202f260 janvier 2025 F2025-000162 "
        "U000027 RB-2025-01-0001 03/02/2025 FH01 1re relance 12,50 €"
    )
    assert english_numbers(french) == []


def test_the_reports_render_in_a_browser_without_error_nor_request(closed, tmp_path):
    """Each report opens in headless Chromium with no error and no request elsewhere. The director's page, as
    its reader sees it: every chart drawn, or a sentence in its place; no legend over a tick label or an axis
    title; no headline figure over two lines; numbers only in French (`english_numbers`) in the text, the
    charts and their hover texts; payer types in words, not codes."""
    import os
    import shutil

    chromium = shutil.which("chromium")
    if not chromium:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it (make system)")
        pytest.skip("chromium is not installed on this machine")
    from playwright.sync_api import sync_playwright

    home, *_ = closed
    folder = home / "sorties" / MONTHS[-1] / "rapports"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for name in ("direction.html", "controles.html"):
            page = browser.new_page(viewport={"width": 1300, "height": 1000})
            errors, requests = [], []
            page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            page.on("request", lambda r, requests=requests: requests.append(r.url))
            page.goto((folder / name).as_uri())
            charts = page.evaluate("document.querySelectorAll('.plotly-graph-div').length")
            page.wait_for_function(CHARTS_DRAWN, timeout=20000)
            rendered = page.evaluate("document.querySelectorAll('.js-plotly-plot .plot-container').length")
            page.screenshot(path=str(tmp_path / name.replace(".html", ".png")), full_page=True)
            assert (name, rendered, errors) == (name, charts, [])
            assert [u for u in requests if not u.startswith(("file://", "data:", "blob:"))] == []
            if name == "direction.html":
                sentences = page.evaluate("document.querySelectorAll('.chart .empty').length")
                assert (charts, sentences) == (4, 0)  # the demo's last month has data for every chart
                plots = page.evaluate(MEASURE)
                assert len(plots) == charts and all(p["labels"] for p in plots)
                assert [
                    (legend, label) for p in plots for legend in p["legends"] for label in p["labels"]
                    if overlaps(legend, label[1:])
                ] == []  # fmt: skip
                assert [h for h in page.evaluate(HEADLINES) if h[1:] != [1, True]] == []
                text = page.evaluate(VISIBLE_TEXT)
                assert english_numbers(text) == []
                assert re.findall(r"assurance_maladie|departement|\busager_", text) == []
                assert "assurance maladie" in text and "département" in text  # the words instead
            page.close()
        browser.close()
    assert (tmp_path / "direction.png").stat().st_size > 50_000


def test_each_reminder_sent_has_its_letter_rendered_by_the_close(closed):
    import csv

    home, *_ = closed
    sent, rendered = set(), set()
    for month in MONTHS:
        folder = home / "sorties" / month / "recouvrement"
        with (folder / "relances.csv").open(encoding="utf-8-sig") as f:
            sent |= {
                f"{month}/{r['date']}_{r['code_financeur']}_{r['niveau']}.pdf" for r in csv.DictReader(f, delimiter=";")
            }
        if (folder / "relances").is_dir():
            rendered |= {f"{month}/{p.name}" for p in (folder / "relances").iterdir()}
    assert sent and rendered == sent  # `dunning_letters`, after `reminders`, in `recettes run`


def test_the_accountant_letters_every_settled_invoice_from_the_files_alone(closed):
    """The 411 accounts lettered from the entry files and the lettering files alone (docs/rules.md "Accounting
    entries"): every letter group balances, and every invoice settled is in one with its sales entry, across
    files (an invoice entered in December's file and paid in January)."""
    from tests.accounting import lettering_check

    home, *_ = closed
    lines, applied = lettering_check.letter(home / "sorties")
    groups = lettering_check.groups(lines)
    assert applied["lettre"] > 100 and groups and all(balance == 0 for balance in groups.values())
    with Warehouse(home / "entrepot.duckdb").connect() as con:
        settled = rows(
            con,
            "SELECT b.number, coalesce(nullif(p.auxiliary_account, ''), b.payer_code), b.letter "
            "FROM invoice_balances b LEFT JOIN (SELECT code, min(auxiliary_account) AS auxiliary_account FROM payers "
            "GROUP BY code) p ON p.code = b.payer_code WHERE b.letter IS NOT NULL",
        )
    lettered = {
        (key[3], code, key[4].split()[1]) for key, code in lines.items() if key[4].startswith("Facture ") and code
    }
    assert len(settled) > 100 and {(aux, code, number) for number, aux, code in settled} <= lettered
    # some of them only through a lettering file: their sales entry was in an earlier month's file, unlettered
    fec_letters = lettering_check.client_lines(home / "sorties")
    assert any(not fec_letters[key] and code for key, code in lines.items() if key[4].startswith("Facture "))
