"""The dunning letters of a close (docs/rules.md "Receivables and dunning"): one PDF per payer and level sent,
addressed to the resident's guardian when there is one, listing the invoices reminded (a public payer's
letter is the statement of all its open invoices) with the payment details. Jinja2 + WeasyPrint."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import duckdb

from assets.common.collection import history
from assets.common.months import month_end
from assets.common.outputs import write_bytes
from assets.common.settings import Settings
from assets.common.warehouse import run_sql
from reports.render import Renderer, render_all

PUBLIC = ("departement", "assurance_maladie", "autre")
TEXTS = {
    "relance1": (
        "Relance",
        "Rappel de facture impayée",
        [
            "Sauf erreur ou omission de notre part, la facture ci-dessous, arrivée à échéance, reste impayée "
            "à ce jour.",
            "Nous vous remercions de bien vouloir procéder à son règlement dans les meilleurs délais.",
        ],
    ),
    "relance2": (
        "Deuxième relance",
        "Deuxième rappel de facture impayée",
        [
            "Malgré notre précédent courrier, nous n'avons pas reçu le règlement de la facture ci-dessous.",
            "Nous vous remercions de la régler sous huit jours. Notre service vous contactera par téléphone "
            "pour convenir avec vous d'une solution si vous rencontrez une difficulté.",
        ],
    ),
    "mise_en_demeure": (
        "Mise en demeure",
        "Mise en demeure de payer",
        [
            "Nos relances précédentes sont restées sans effet. Par la présente, nous vous mettons en demeure "
            "de régler la somme ci-dessous dans un délai de quinze jours à compter de la réception de ce courrier.",
            "À défaut, nous serons contraints d'engager une procédure de recouvrement contentieux.",
        ],
    ),
    "releve": (
        "Relevé de factures",
        "Factures en attente de règlement",
        [
            "Vous trouverez ci-dessous le relevé des factures émises à votre intention qui restent à régler ; "
            "celles dont l'échéance est dépassée sont en gras.",
            "Nous vous remercions de bien vouloir en faire procéder au mandatement. Notre service prendra "
            "contact avec vos services si nécessaire.",
        ],
    ),
}


PLURAL = (
    (
        "la facture ci-dessous, arrivée à échéance, reste impayée",
        "les factures ci-dessous, arrivées à échéance, restent impayées",
    ),
    ("procéder à son règlement", "procéder à leur règlement"),
    ("le règlement de la facture ci-dessous", "le règlement des factures ci-dessous"),
    ("Nous vous remercions de la régler", "Nous vous remercions de les régler"),
)


def _texts(key: str, count: int) -> tuple[str, str, list[str]]:
    title, subject, paragraphs = TEXTS[key]
    if count > 1:
        for one, many in PLURAL:
            paragraphs = [p.replace(one, many) for p in paragraphs]
        subject = subject.replace("facture impayée", "factures impayées")
    return title, subject, paragraphs


def _town(address: str) -> str:
    """The town of an address ending with a postcode and a town, for the letter's date line."""
    found = re.search(r"\b\d{5}\s+([^,]+)$", address.strip())
    return found.group(1).strip() if found else ""


def _recipient(name: str, address: str, guardian: str) -> dict:
    """A resident with a guardian: the letter goes to the guardian, for the resident's account."""
    if guardian:
        who, _, where = guardian.partition(",")
        return {"name": who.strip(), "on_behalf": name, "address": where.strip()}
    return {"name": name, "on_behalf": "", "address": address}


def render_letter(renderer: Renderer, payload: dict) -> tuple[str, bytes]:
    return payload["file"], renderer.pdf("relance.html", payload)


def write_letters(con: duckdb.DuckDBPyConnection, settings: Settings, sorties: Path, month: str, day: dt.date) -> int:
    """The letters of the reminders the month's closes sent on `day`: rendered if their file is missing (a
    re-run of the close, or one after a crash, renders only what is not there); returns how many."""
    sent = run_sql(con, "receivables/letters_to_write.sql", {"month": month, "day": day})
    if not sent:
        return 0
    association = settings.association.model_dump()
    open_invoices: dict[str, list[dict]] = {}
    columns = ("number", "service_month", "issue_date", "due_date", "amount", "open_amount", "credit_applied")
    for payer, *row in run_sql(
        con, "receivables/letter_invoices.sql", {"payers": sorted({s[0] for s in sent}), "day": day}
    ):
        open_invoices.setdefault(payer, []).append(dict(zip(columns, row, strict=True)))
    returned = sorted(p.number for p in history(con, month) if p.latest and p.returned)
    debits: dict[str, list[dict]] = {}
    for payer, number, collected_on, amount in run_sql(
        con,
        "receivables/letter_debits.sql",
        {"payers": sorted({s[0] for s in sent}), "end": month_end(month), "returned": returned},
    ):
        debits.setdefault(payer, []).append({"number": number, "day": collected_on, "amount": amount})
    payloads = []
    for payer, level, payer_type, name, address, guardian, numbers in sent:
        public = payer_type in PUBLIC
        invoices = [dict(i) for i in open_invoices.get(payer, []) if public or i["number"] in numbers]
        for invoice in invoices:
            invoice["reminded"] = invoice["number"] in numbers
        title, subject, paragraphs = _texts("releve" if public else level, len(numbers))
        payloads.append(
            {
                "file": f"{day:%Y-%m-%d}_{payer}_{level}.pdf",
                "title": title,
                "subject": subject,
                "paragraphs": paragraphs,
                "registered": level == "mise_en_demeure",
                "salutation": "Madame, Monsieur",
                "association": association,
                "payer": {"code": payer},
                "recipient": _recipient(name, address or "", guardian or "") if not public else {
                    "name": name, "on_behalf": "", "address": address or ""},
                "invoices": invoices,
                "total": sum((i["open_amount"] for i in invoices), Decimal("0.00")),
                "credit_applied": sum((i["credit_applied"] for i in invoices), Decimal("0.00")),
                "debits": debits.get(payer, []),
                "day": day,
                "town": _town(association["adresse"]),
            }
        )  # fmt: skip
    folder = sorties / month / "recouvrement" / "relances"
    missing = [p for p in payloads if not (folder / p["file"]).is_file()]  # a file present is whole (atomic)
    for file, pdf in render_all(render_letter, missing):  # the rendering pool past a few dozen letters
        write_bytes(folder / file, pdf)
    return len(payloads)
