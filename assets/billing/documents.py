"""The documents as files: a PDF per invoice and credit note (Factur-X PDF/A-3 for public payers), a
bordereau per institutional payer, and the zip of Factur-X files for the public invoicing portal.

An issued document is rendered once: its file and hash are recorded in `document_files`, and it is
rendered again only if the file has gone missing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from assets.billing.facturx_xml import embed_facturx, facturx_data, facturx_xml, is_public, original_numbers
from assets.billing.schematron import rules_version
from assets.common.collection import announced_debits
from assets.common.outputs import write_bytes
from assets.common.settings import Settings
from assets.common.warehouse import insert_frame, query_frame, run_sql

if TYPE_CHECKING:
    from reports.render import Renderer

ZIP_NAME = "chorus_pro.zip"


@dataclass
class RenderSummary:
    rendered: int = 0
    facturx: int = 0
    kept: int = 0
    bordereaux: int = 0
    seconds: float = 0.0


def render_document(renderer: Renderer, payload: dict) -> tuple[str, bytes, bool]:
    """PDF bytes of one document (runs in a rendering worker); Factur-X embedded for public payers, once its
    XML passes the XSD and the business rules (`embed_facturx`: a fatal rule raises `SchematronError`, naming
    the document, the rule and its text, and the document has no file)."""
    doc, lines = payload["doc"], payload["lines"]
    credit = doc["type"] == "avoir"
    sign = Decimal(-1) if credit else Decimal(1)
    shown = [{**line, "quantity": sign * line["quantity"], "amount": sign * line["amount"]} for line in lines]
    groups: list[dict] = []
    for line in shown:
        if not groups or groups[-1]["resident_id"] != line["resident_id"]:
            groups.append(
                {
                    "resident_id": line["resident_id"],
                    "name": line["resident_name"],
                    "lines": [],
                    "total": Decimal("0.00"),
                }
            )
        groups[-1]["lines"].append(line)
        groups[-1]["total"] += line["amount"]
    context = {
        "doc": doc,
        "groups": groups,
        "several_residents": len(groups) > 1 or doc["payer_type"] != "usager",
        "total": sign * doc["amount"],
        "title": "Avoir" if credit else "Facture",
        "association": payload["association"],
        "establishment": payload["establishment"],
        "vat_mention": payload["vat_mention"],
        "delay": (doc["due_date"] - doc["issue_date"]).days,
        "originals": [(n, (payload.get("original_dates") or {}).get(n)) for n in original_numbers(doc)],
        "debit": payload.get("debit"),  # the SEPA direct debit that will collect it (assets/common/collection.py)
        "creditor_id": payload.get("creditor_id") or "",
    }
    pdf = renderer.pdf("document.html", context, pdfa=payload["facturx"])
    if payload["facturx"]:
        xml = facturx_xml(
            facturx_data(doc, lines, payload["association"], payload["vat_mention"], payload.get("original_dates"))
        )
        pdf = embed_facturx(
            pdf,
            xml,
            doc["number"],
            {
                "author": payload["association"]["nom"],
                "keywords": f"Factur-X, {context['title'].lower()}",
                "title": f"{context['title']} {doc['number']}",
                "subject": f"{context['title']} {doc['number']} – {doc['service_month']}",
            },
            dt.datetime.now(dt.UTC).replace(microsecond=0),
            payload.get("rules_passed", []),  # the control before issuing passed these bytes
        )
    return doc["number"], pdf, payload["facturx"]


def render_bordereau(renderer: Renderer, payload: dict) -> tuple[str, bytes]:
    return payload["payer"]["code"], renderer.pdf("bordereau.html", payload)


def _documents(con: duckdb.DuckDBPyConnection, month: str) -> tuple[list[dict], dict[str, list[dict]]]:
    params = {"month": month}
    docs = query_frame(con, "billing/month_documents.sql", params).to_dicts()
    lines: dict[str, list[dict]] = {}
    for line in query_frame(con, "billing/month_document_lines.sql", params).to_dicts():
        lines.setdefault(line["number"], []).append(line)
    return docs, lines


def document_payload(
    doc: dict, lines: list[dict], association: dict, establishments: dict, settings: Settings, issue_dates: dict
) -> dict:
    """What `render_document` needs for one document of the month."""
    return {
        "doc": doc,
        "lines": lines,
        "association": association,
        "establishment": establishments.get(
            doc["establishment_code"], {"name": doc["establishment_code"], "finess": None}
        ),
        "vat_mention": settings.mention_tva,
        "facturx": is_public(doc["payer_type"], doc["payer_siret"]),
        "original_dates": {n: issue_dates[n] for n in original_numbers(doc) if n in issue_dates},
    }


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def render_month(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    sorties: Path,
    month: str,
    as_of: dt.date,
    now: dt.datetime,
    workers: int | None = None,
) -> RenderSummary:
    """Render the documents of the month's closes that have no file yet, then the bordereaux and zip."""
    import time

    from reports.render import render_all

    started = time.perf_counter()
    folder = sorties / month / "factures"
    docs, lines = _documents(con, month)
    done = {n: (p, s) for n, p, s in run_sql(con, "billing/document_files.sql", {"month": month})}
    establishments = {
        code: {"name": name, "finess": finess} for code, name, finess in run_sql(con, "billing/establishment_names.sql")
    }
    issue_dates = dict(run_sql(con, "billing/issue_dates.sql", {"month": month}))
    association = settings.association.model_dump()
    debits = announced_debits(
        con, settings, month, [(d["number"], d["payer_code"], d["issue_date"]) for d in docs if d["type"] == "facture"]
    )
    # the digests of the XML that passed the rules (the control before issuing): those bytes are not checked again
    passed = dict(run_sql(con, "billing/facturx_rules_passed.sql", {"month": month, "rules": rules_version()}))
    summary = RenderSummary()
    todo = []
    for doc in docs:
        path = folder / f"{doc['number']}.pdf"
        if doc["number"] in done and path.is_file():
            summary.kept += 1
            continue
        payload = document_payload(doc, lines[doc["number"]], association, establishments, settings, issue_dates)
        payload["debit"], payload["creditor_id"] = debits.get(doc["number"]), settings.sepa.ics
        payload["rules_passed"] = passed.get(doc["number"], []) if payload["facturx"] else []
        todo.append(payload)
    records = []
    for number, pdf, fx in render_all(render_document, todo, workers=workers):
        path = folder / f"{number}.pdf"
        write_bytes(path, pdf)
        records.append(
            {
                "number": number,
                "path": str(path.relative_to(sorties)),
                "sha256": _sha(pdf),
                "facturx": fx,
                "rendered_at": now,
            }
        )
        summary.rendered += 1
        summary.facturx += fx
    if records:
        import polars as pl

        run_sql(con, "billing/forget_files.sql", {"numbers": [r["number"] for r in records]})
        insert_frame(con, "document_files", pl.DataFrame(records))
    summary.bordereaux = _bordereaux(
        con, docs, folder, month, as_of, association, settings.mention_tva, establishments, workers
    )
    _portal_zip(docs, folder)
    summary.seconds = time.perf_counter() - started
    return summary


def _bordereaux(
    con: duckdb.DuckDBPyConnection,
    docs: list[dict],
    folder: Path,
    month: str,
    as_of: dt.date,
    association: dict,
    vat_mention: str,
    establishments: dict[str, dict],
    workers: int | None,
) -> int:
    from reports.render import render_all

    payers = {
        code: {"code": code, "name": name, "address": address, "siret": siret, "attention_of": None}
        for code, name, address, siret in run_sql(con, "billing/institutional_payers.sql")
    }
    per_payer: dict[str, list[dict]] = {}
    for doc in docs:
        if doc["payer_code"] in payers:
            per_payer.setdefault(doc["payer_code"], []).append(
                {
                    **doc,
                    "kind": {"initiale": "Facture", "complementaire": "Facture complémentaire", "avoir": "Avoir"}[
                        doc["nature"]
                    ],
                    "establishment": establishments.get(doc["establishment_code"], {}).get(
                        "name", doc["establishment_code"]
                    ),
                }
            )
    payloads = [
        {
            "payer": payers[code],
            "documents": rows,
            "total": sum((d["amount"] for d in rows), Decimal("0.00")),
            "month": month,
            "as_of": as_of,
            "association": association,
            "vat_mention": vat_mention,
        }
        for code, rows in sorted(per_payer.items())
    ]
    for code, pdf in render_all(render_bordereau, payloads, workers=workers):
        write_bytes(folder / "bordereaux" / f"bordereau_{code}.pdf", pdf)
    return len(payloads)


def _portal_zip(docs: list[dict], folder: Path) -> None:
    """The Factur-X files of the month, zipped for the public invoicing portal (same bytes every time)."""
    public = [d["number"] for d in docs if is_public(d["payer_type"], d["payer_siret"])]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for number in public:
            info = zipfile.ZipInfo(f"{number}.pdf", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, (folder / f"{number}.pdf").read_bytes())
    write_bytes(folder / ZIP_NAME, buffer.getvalue())
