"""Factur-X (EN 16931 profile) for the invoices of public payers, which the public invoicing portal
(Chorus Pro) accepts: the CII XML is built by the factur-x library from EN 16931 business terms, checked
against its XSD, and embedded in the PDF/A-3 of the document.

Mapping: BT-10 (buyer reference) = the payer's service code, BT-13 (purchase order) = the commitment
number; VAT category E (exempt) with the settings' exemption mention; a credit note is type 381 with
positive amounts and names every invoice it corrects (one BG-3 each, with its issue date).

Parties as the French rules identify them: the SIRET is the party's identifier (BT-29 / BT-46, scheme 0009),
its SIREN its legal registration (BT-30 / BT-47, scheme 0002). The seller's SIREN is also its tax registration
(BT-32, scheme FC) and its VAT number, when it has one, BT-31: an exempt line (category E) needs one of them
(EN 16931 BR-E-02). BT-23 (business process) is "S1", the French reform's billing frame of a plain invoice of
services (BR-FR-08). An invoice's notes (BG-1) are the VAT exemption and the payment mentions its PDF prints
(no discount: AAB; late payment penalties: PMD).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Collection
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from assets.billing.pdfa_metadata import align_metadata
from assets.common.months import month_bounds

if TYPE_CHECKING:
    from lxml import etree

PUBLIC_PAYER_TYPES = ("departement", "assurance_maladie", "autre")
BILLING_FRAME = "S1"  # « cadre de facturation » of the reform: deposit of an invoice of services
# the payment mentions an invoice to an institutional payer prints (reports/templates/document.html), as notes
# with their subject code (UNTDID 4451): AAB, the discount for early payment; PMD, the late payment penalties
INVOICE_NOTES = (
    ("AAB", "Aucun escompte pour paiement anticipé."),
    ("PMD", "En cas de retard de paiement, des pénalités au taux d'intérêt légal sont exigibles."),
)
_POSTCODE = re.compile(r"^(.*?)(?:,\s*|\s+)(\d{5})\s+(.+)$")


def is_public(payer_type: str, payer_siret: str | None) -> bool:
    """Public payers (départements, the assurance maladie, other bodies with a SIRET) take Factur-X."""
    return payer_type in PUBLIC_PAYER_TYPES and bool(payer_siret)


def split_address(address: str | None) -> dict[str, str]:
    """'12 rue X, 66000 Perpignan' -> street, postcode, city (French addresses)."""
    text = (address or "").strip()
    m = _POSTCODE.match(text)
    if not m:
        return {"addr_l1": text[:100] or "-", "country_code": "FR"}
    return {
        "addr_l1": m.group(1).strip(" ,")[:100],
        "postcode": m.group(2),
        "city": m.group(3).strip()[:100],
        "country_code": "FR",
    }


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def original_numbers(doc: dict) -> list[str]:
    """The invoices a document names (`original_number`, several separated by commas, latest first)."""
    return [n.strip() for n in (doc.get("original_number") or "").split(",") if n.strip()]


def seller_siren(association: dict) -> str:
    """The association's SIREN: the settings' `association.siren`, else the first 9 digits of its SIRET."""
    return association.get("siren") or association["siret"][:9]


def _seller(association: dict) -> dict:
    siren = seller_siren(association)
    return {
        "name": association["nom"],
        "identifiers": {"0009": association["siret"]},
        "legal_identifier": siren,
        "legal_identifier_schemeid": "0002",
        "tax_identifier": siren,
        **({"vat_identifier": association["tva"]} if association.get("tva") else {}),
        **split_address(association["adresse"]),
    }


def _buyer(doc: dict) -> dict:
    siret = doc.get("payer_siret")
    ids: dict[str, Any] = {}
    if siret:
        ids = {"identifiers": {"0009": siret}}
        if len(siret) == 14 and siret.isdigit():
            ids |= {"legal_identifier": siret[:9], "legal_identifier_schemeid": "0002"}
    return {"name": doc["payer_name"], **ids, **split_address(doc.get("payer_address"))}


def facturx_data(
    doc: dict,
    lines: list[dict],
    association: dict,
    vat_mention: str,
    original_dates: dict[str, dt.date] | None = None,
) -> dict:
    """EN 16931 business terms of one document (`doc` and `lines` as stored, amounts signed); `original_dates`
    gives the issue date of the invoices a credit note names."""
    credit = doc["type"] == "avoir"
    sign = Decimal(-1) if credit else Decimal(1)
    first, last = month_bounds(doc["service_month"])
    total = sign * doc["amount"]
    data: dict = {
        "BT-1": doc["number"],
        "BT-2": doc["issue_date"].isoformat(),
        "BT-3": "381" if credit else "380",
        "BT-5": "EUR",
        "BT-9": doc["due_date"].isoformat(),
        "BT-20": f"Paiement à réception, au plus tard le {doc['due_date']:%d/%m/%Y}, par virement",
        "BT-23": BILLING_FRAME,
        "BT-24": "urn:cen.eu:en16931:2017",
        "BT-72": last.isoformat(),
        "BT-73": first.isoformat(),
        "BT-74": last.isoformat(),
        "BT-81": "30",
        "BT-83": doc["number"],
        "BT-84": association["iban"],
        "BT-86": association["bic"],
        "BT-106": _money(total),
        "BT-109": _money(total),
        "BT-110": "0.00",
        "BT-112": _money(total),
        "BT-115": _money(total),
        "BG-1": [{"BT-22": vat_mention}]
        + ([] if credit else [{"BT-21": code, "BT-22": text} for code, text in INVOICE_NOTES]),
        "BG-4": _seller(association),
        "BG-7": _buyer(doc),
        "BG-23": [
            {
                "BT-116": _money(total),
                "BT-117": "0.00",
                "BT-118": "E",
                "BT-119": "0.00",
                "BT-120": vat_mention,
            }
        ],
        "BG-25": [],
    }
    if doc.get("payer_service_code"):
        data["BT-10"] = doc["payer_service_code"]
    if doc.get("commitment_number"):
        data["BT-13"] = doc["commitment_number"]
    if credit and original_numbers(doc):
        dates = original_dates or {}
        data["BG-3"] = [
            {"BT-25": number, **({"BT-26": dates[number].isoformat()} if dates.get(number) else {})}
            for number in original_numbers(doc)
        ]
    for i, line in enumerate(lines, start=1):
        quantity = sign * line["quantity"]
        price = line["unit_price"]
        amount = sign * line["amount"]
        if price < 0:  # a negative line (the resident's contribution): EN 16931 prices are never negative
            price, quantity = -price, -quantity
        data["BG-25"].append(
            {
                "BT-126": str(i),
                "BT-129": f"{quantity:.4f}",
                "BT-130": "DAY"
                if line["category"] not in ("participation_usager", "participation_frais_hebergement")
                else "C62",
                "BT-131": _money(amount),
                "BT-146": f"{price:.4f}",
                "BT-151": "E",
                "BT-152": "0.00",
                "BT-153": f"{line['label']} – {line['resident_name']} ({line['resident_id']})"[:250],
            }
        )
    return data


@functools.cache
def _schema(xsd_file: str) -> etree.XMLSchema:
    """The factur-x library's XSD of one Factur-X level, parsed once per process: the library parses it
    again at each check (about 15 ms, twice per document read back)."""
    import importlib.resources

    from lxml import etree

    return etree.XMLSchema(file=str(importlib.resources.files("facturx").joinpath(f"xsd_and_schematron/{xsd_file}")))


def check_xsd(xml: bytes) -> None:
    """Raise unless `xml` is valid against the XSD of its Factur-X level (other flavors: the library's own
    check), with the library's message."""
    import facturx
    from facturx.facturx import FACTURX_LEVEL2xsd, get_flavor, get_level
    from lxml import etree

    try:
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"The file to check is not a valid XML file. Error: {exc}") from exc
    flavor = get_flavor(root)
    level = get_level(root, flavor) if flavor in ("factur-x", "facturx") else None
    if level not in FACTURX_LEVEL2xsd:
        facturx.xml_check_xsd(root, flavor=flavor)
        return
    try:
        _schema(FACTURX_LEVEL2xsd[level]).assertValid(root)
    except etree.DocumentInvalid as exc:
        raise ValueError(
            f"The Factur-x XML file is not valid against the official XML Schema Definition. Here is the error, "
            f"which may give you an idea on the cause of the problem: {exc}."
        ) from exc


def facturx_xml(data: dict) -> bytes:
    """The CII XML of `data`, checked against the Factur-X EN 16931 XSD (raises on any error)."""
    import facturx

    # check_schematron=False: the library's schematron check posts to a Saxon server, which we never call
    xml = facturx.generate_xml(data, flavor="factur-x", level="en16931", check_xsd=False, check_schematron=False)
    check_xsd(xml)
    return xml


def embed_facturx(
    pdf: bytes, xml: bytes, number: str, metadata: dict[str, str], when: dt.datetime, passed: Collection[str] = ()
) -> bytes:
    """The Factur-X PDF/A-3 of one document: `xml` checked against the EN 16931, Factur-X and French rules
    (`schematron.check`: a fatal rule that applies raises, naming the document, the rule and its text, and
    nothing is embedded) unless its SHA-256 is among `passed`, the digests of XML the warehouse records as
    having passed these rules, embedded in `pdf` (rendered as PDF/A-3b) by the factur-x library, then the PDF's
    Info dictionary and XMP metadata made to agree (`align_metadata`)."""
    import facturx

    from assets.billing.schematron import check, digest

    if digest(xml) not in passed:
        check(xml, number)
    out = facturx.generate_from_binary(
        pdf,
        xml,
        flavor="factur-x",
        level="en16931",
        check_xsd=False,  # facturx_xml checked it against the XSD already
        lang="fr-FR",
        pdf_metadata=metadata,
    )
    return align_metadata(out, when)


def embedded_xml(pdf: bytes) -> tuple[str, bytes]:
    """(file name, XML) embedded in a Factur-X PDF, checked against the XSD."""
    import facturx

    name, xml = facturx.get_xml_from_pdf(pdf, check_xsd=False)
    if not xml:
        raise ValueError("aucun XML Factur-X dans ce PDF")
    check_xsd(xml)
    return name, xml


def read_facturx(data: bytes) -> dict:
    """The business terms of a Factur-X PDF or CII XML, checked against the XSD of its level:
    {'BT-1': number, 'BT-2': issue date, 'BT-3': type code, 'BT-115': amount due, ...}."""
    from facturx.parse_xml import parse_ubl_cii_xml

    if data.startswith(b"%PDF"):
        xml = embedded_xml(data)[1]
    else:
        xml = data
        check_xsd(xml)
    return parse_ubl_cii_xml(xml)
