"""The PDF/A-3 metadata of a Factur-X PDF: its XMP made to say what its Info dictionary says
(`align_metadata`, ISO 19005-3 6.6.2.3.1), and what a PDF/A-3 validator would say of them (`pdfa_problems`)."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from lxml import etree
    from pypdf.generic import DictionaryObject, StreamObject

# ISO 19005-3, 6.6.2.3.1: each entry of the Info dictionary and its XMP property, which must say the same
INFO_XMP = {
    "/Title": "dc:title",
    "/Author": "dc:creator",
    "/Subject": "dc:description",
    "/Keywords": "pdf:Keywords",
    "/Creator": "xmp:CreatorTool",
    "/Producer": "pdf:Producer",
    "/CreationDate": "xmp:CreateDate",
    "/ModDate": "xmp:ModifyDate",
    "/Trapped": "pdf:Trapped",
}
XMP_NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
}
_LANG_ALT = ("dc:title", "dc:description")
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _qname(prefixed: str) -> str:
    prefix, local = prefixed.split(":")
    return f"{{{XMP_NS[prefix]}}}{local}"


def _pdf_date(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("D:%Y%m%d%H%M%S+00'00'")


def _xmp_date(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def align_metadata(pdf: bytes, when: dt.datetime) -> bytes:
    """`pdf` with its XMP metadata saying what its Info dictionary says, entry by entry (ISO 19005-3 6.6.2.3.1:
    WeasyPrint writes Info /Producer, the factur-x library writes XMP pdf:Producer "pypdf", no pdf:Keywords,
    and two clocks for the dates), both dated `when`; every rdf:Description gets rdf:about="" (XMP)."""
    import io

    from lxml import etree
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    writer.pdf_header = reader.pdf_header
    info = {k: str(v) for k, v in (reader.metadata or {}).items() if k in INFO_XMP}
    info["/CreationDate"] = info["/ModDate"] = _pdf_date(when)
    writer.add_metadata(info)
    root = etree.fromstring(
        cast("StreamObject", cast("DictionaryObject", reader.trailer["/Root"])["/Metadata"].get_object()).get_data(),
        etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True),
    )
    rdf = root.find("rdf:RDF", XMP_NS)
    for description in rdf.findall("rdf:Description", XMP_NS):
        description.set(_qname("rdf:about"), "")
        for prop in INFO_XMP.values():
            description.attrib.pop(_qname(prop), None)
            for element in description.findall(prop, XMP_NS):
                description.remove(element)
        if not len(description) and len(description.attrib) == 1:
            rdf.remove(description)
    description = etree.SubElement(rdf, _qname("rdf:Description"), {_qname("rdf:about"): ""})
    for key, prop in INFO_XMP.items():
        if key not in info:
            continue
        value = _xmp_date(_parse_pdf_date(info[key])) if key in ("/CreationDate", "/ModDate") else info[key]
        element = etree.SubElement(description, _qname(prop))
        if prop in _LANG_ALT:
            etree.SubElement(etree.SubElement(element, _qname("rdf:Alt")), _qname("rdf:li"), {_XML_LANG: "x-default"})
            element[0][0].text = value
        elif prop == "dc:creator":
            etree.SubElement(etree.SubElement(element, _qname("rdf:Seq")), _qname("rdf:li")).text = value
        else:
            element.text = value
    body = etree.tostring(root, encoding="unicode", pretty_print=True).strip()
    writer.xmp_metadata = (
        f'<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n{body}\n<?xpacket end="w"?>'.encode()
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _parse_pdf_date(text: str) -> dt.datetime:
    """'D:20260205093000+01'00'' (or Z, or no zone: UTC) as an aware datetime."""
    m = re.fullmatch(r"D:(\d{4})(\d\d)?(\d\d)?(\d\d)?(\d\d)?(\d\d)?(?:([+-])(\d\d)'?(\d\d)?'?|Z.*)?", text.strip())
    if not m:
        raise ValueError(f"date PDF illisible : {text!r}")
    year, month, day, hour, minute, second = (
        int(g) if g else d for g, d in zip(m.groups()[:6], (0, 1, 1, 0, 0, 0), strict=True)
    )
    offset = dt.timedelta(hours=int(m.group(8) or 0), minutes=int(m.group(9) or 0))
    zone = dt.timezone(-offset if m.group(7) == "-" else offset)
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=zone)


def _xmp_value(rdf: etree._Element, prop: str) -> str | None:
    """A simple XMP property as text, written as an element (a lang-alt's x-default or first item, a seq's
    only item) or as an attribute of an rdf:Description; None when absent. A seq of several items is given
    as their texts joined by '; ' (never equal to one author)."""
    for description in rdf.findall("rdf:Description", XMP_NS):
        if _qname(prop) in description.attrib:
            return description.get(_qname(prop))
        element = description.find(prop, XMP_NS)
        if element is None:
            continue
        items = element.findall("rdf:Alt/rdf:li", XMP_NS) or element.findall("rdf:Seq/rdf:li", XMP_NS)
        if not items:
            items = element.findall("rdf:Bag/rdf:li", XMP_NS)
        if items:
            default = [li for li in items if li.get(_XML_LANG) == "x-default"]
            return (default[0].text or "") if default else "; ".join(li.text or "" for li in items)
        return element.text or ""
    return None


def pdfa_problems(pdf: bytes) -> list[str]:
    """What a PDF/A-3 validator would say of the metadata of a Factur-X PDF: each Info entry without its XMP
    property or with another value (ISO 19005-3 6.6.2.3.1; dates compared as instants), and a PDF/A
    identification other than part 3, conformance B. Empty when they agree."""
    import io

    from lxml import etree
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    stream = cast("DictionaryObject", reader.trailer["/Root"]).get("/Metadata")
    if stream is None:
        return ["pas de métadonnées XMP"]
    rdf = etree.fromstring(
        stream.get_object().get_data(), etree.XMLParser(resolve_entities=False, no_network=True)
    ).find("rdf:RDF", XMP_NS)
    problems = []
    for key, value in (reader.metadata or {}).items():
        if key not in INFO_XMP:
            continue
        prop = INFO_XMP[key]
        said = _xmp_value(rdf, prop)
        if said is None:
            problems.append(f"Info {key} « {value} » sans {prop} dans le XMP")
        elif key in ("/CreationDate", "/ModDate"):
            try:
                same = _parse_pdf_date(str(value)) == dt.datetime.fromisoformat(said.replace("Z", "+00:00"))
            except ValueError:
                same = False
            if not same:
                problems.append(f"Info {key} « {value} » ≠ {prop} « {said} »")
        elif str(value) != said:
            problems.append(f"Info {key} « {value} » ≠ {prop} « {said} »")
    identification = (_xmp_value(rdf, "pdfaid:part"), _xmp_value(rdf, "pdfaid:conformance"))
    if identification != ("3", "B"):
        problems.append(f"identification PDF/A {identification}, attendu ('3', 'B')")
    return problems
