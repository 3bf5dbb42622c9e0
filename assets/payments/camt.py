"""ISO 20022 bank-to-customer messages: camt.053 statements (.001.02, .001.04, .001.08), camt.054
notifications and camt.052 reports, read into the same statements as CFONB 120.

One bank line per transaction: an entry with several `TxDtls` (a batch) gives one line per transaction,
each with its amount, debtor name and IBAN, end-to-end id and remittance text (unstructured and
structured references). An entry without a booking date takes its value date, else the statement's date.

Hostile files: the XML parser never resolves entities, loads no DTD and never reaches the network; a
document with a DOCTYPE (a bank statement never has one) is refused, as is a file over `MAX_BYTES`.
Amounts are plain decimals (ASCII digits, a point) below `MAX_AMOUNT`, dates `AAAA-MM-JJ`; anything else
is a `CamtError` naming the file, the line and the element.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from lxml import etree

from assets.common.csvfile import printable
from assets.payments.statements import MAX_AMOUNT, BankLine, Statement, hashed_id

# a month of a large association is a few MB; lxml keeps about ten times the file in memory
MAX_BYTES = 64 * 1024 * 1024

_NS = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:(camt\.05[234])\.001\.(\d\d)$")
_CONTAINERS = {
    "camt.053": ("BkToCstmrStmt", "Stmt"),
    "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
    "camt.052": ("BkToCstmrAcctRpt", "Rpt"),
}
_AMOUNT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")  # xs:decimal, without exponent
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")  # ISODate, or the start of an ISODateTime
OPENING = ("OPBD", "PRCD", "ITBD")
CLOSING = ("CLBD",)
# what banks write where they have no reference: taken as one, every such line of a file had the same id, and
# all but the first were left out as already stored
PLACEHOLDERS = {"NONREF", "NOTPROVIDED", "NONE", "N/A"}


class CamtError(ValueError):
    """A camt file that cannot be read: the message names the file and the element."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )


class _Reader:
    def __init__(self, ns: str):
        self.ns = {"c": ns}

    def all(self, node: etree._Element, path: str) -> list:
        return node.xpath(path, namespaces=self.ns)

    def first(self, node: etree._Element, *paths: str) -> etree._Element | None:
        """The first element found by one of `paths` whose text is not blank (None if none)."""
        for path in paths:
            for found in node.xpath(path, namespaces=self.ns):
                if found.text and found.text.strip():
                    return found
        return None

    def text(self, node: etree._Element, *paths: str) -> str:
        for path in paths:
            found = node.xpath(path, namespaces=self.ns)
            if found:
                value = found[0] if isinstance(found[0], str) else found[0].text
                if value and value.strip():
                    return value.strip()
        return ""


def _at(name: str, node: etree._Element) -> str:
    """`name, ligne N` for an element read from the file."""
    line = getattr(node, "sourceline", None)
    return f"{name}, ligne {line}" if line else name


def _amount(node: etree._Element | None, parent: etree._Element, name: str, where: str) -> Decimal:
    """The amount in `node` (None when `parent` has none: an error at the parent's line)."""
    text = node.text.strip() if node is not None else ""
    node = parent if node is None else node
    if not _AMOUNT.fullmatch(text):
        raise CamtError(f"{_at(name, node)} : montant illisible « {printable(text, 40)} » ({where})")
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern only lets plain decimals through
        raise CamtError(f"{_at(name, node)} : montant illisible « {printable(text, 40)} » ({where})") from None
    if abs(value) >= MAX_AMOUNT:
        raise CamtError(f"{_at(name, node)} : montant « {printable(text, 40)} » hors limites ({where})")
    return value


def _date(node: etree._Element | None, name: str, where: str) -> dt.date | None:
    if node is None:
        return None
    text = node.text.strip()
    m = _DATE.match(text)
    try:
        if not m:
            raise ValueError
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise CamtError(
            f"{_at(name, node)} : date « {printable(text, 40)} » invalide, AAAA-MM-JJ attendu ({where})"
        ) from None


def _doctype_line(data: bytes) -> int | None:
    position = data.find(b"<!DOCTYPE")
    return data.count(b"\n", 0, position) + 1 if position >= 0 else None


def parse_camt(data: bytes, name: str = "releve.xml") -> list[Statement]:
    if len(data) > MAX_BYTES:
        raise CamtError(f"{name} : fichier de {len(data)} octets, au-delà de la limite de {MAX_BYTES} octets")
    line = _doctype_line(data)
    if line is not None:
        raise CamtError(f"{name}, ligne {line} : déclaration DOCTYPE refusée (un relevé bancaire n'en a pas)")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        where = f", ligne {exc.lineno}" if exc.lineno else ""
        raise CamtError(f"{name}{where} : XML illisible ({printable(exc.msg or '', 200)})") from None
    if root.getroottree().docinfo.doctype:  # written in an encoding the byte search above does not see
        raise CamtError(f"{name} : déclaration DOCTYPE refusée (un relevé bancaire n'en a pas)")
    namespace = etree.QName(root).namespace
    m = _NS.match(namespace or "")
    if not m:
        found = f"espace de noms « {printable(namespace, 200)} »" if namespace else "sans espace de noms"
        raise CamtError(
            f"{name} : ce n'est pas un message camt.052/053/054 ({found}, élément racine "
            f"« {printable(etree.QName(root).localname, 40)} »)"
        )
    kind = m.group(1)
    r = _Reader(etree.QName(root).namespace)
    message, block = _CONTAINERS[kind]
    containers = r.all(root, f"c:{message}")
    if not containers:
        raise CamtError(f"{name} : élément {message} absent")
    blocks = r.all(containers[0], f"c:{block}")
    if not blocks:
        raise CamtError(f"{name} : aucun relevé ({block}) dans {message}")
    created = r.first(containers[0], "c:GrpHdr/c:CreDtTm")
    return [_statement(r, b, name, kind, created) for b in blocks]


def _statement(r: _Reader, node: etree._Element, name: str, kind: str, created: etree._Element | None) -> Statement:
    account = r.text(node, "c:Acct/c:Id/c:IBAN", "c:Acct/c:Id/c:Othr/c:Id")
    currency = r.text(node, "c:Acct/c:Ccy")
    balances: dict[str, tuple[Decimal, dt.date | None]] = {}
    for bal in r.all(node, "c:Bal"):
        code = r.text(bal, "c:Tp/c:CdOrPrtry/c:Cd", "c:Tp/c:CdOrPrtry/c:Prtry")
        amount = _amount(r.first(bal, "c:Amt"), bal, name, f"solde {printable(code, 20)}")
        if r.text(bal, "c:CdtDbtInd") == "DBIT":
            amount = -amount
        currency = currency or r.text(bal, "c:Amt/@Ccy")
        balances.setdefault(
            code, (amount, _date(r.first(bal, "c:Dt/c:Dt", "c:Dt/c:DtTm"), name, f"solde {printable(code, 20)}"))
        )
    opening = next((balances[c] for c in OPENING if c in balances), (None, None))
    closing = next((balances[c] for c in CLOSING if c in balances), (None, None))
    statement = Statement(
        account,
        currency,
        opening[1],
        opening[0] if opening[0] is not None else Decimal("0"),
        closing[1],
        closing[0],
        record=0,
    )
    statement.has_balances = opening[0] is not None and closing[0] is not None

    def default_day() -> dt.date | None:
        """The day of an entry the bank gives no booking nor value date for: the statement's."""
        period_end = r.first(node, "c:FrToDt/c:ToDtTm", "c:CreDtTm")
        return closing[1] or _date(period_end, name, "date du relevé") or _date(created, name, "date du message")

    seen: dict[str, int] = {}
    for rank, entry in enumerate(r.all(node, "c:Ntry"), start=1):
        statement.lines.extend(_entry_lines(r, entry, rank, statement, name, seen, default_day))
    return statement


def _entry_lines(
    r: _Reader, entry: etree._Element, rank: int, statement: Statement, name: str, seen: dict, default_day: Callable
) -> list[BankLine]:
    entry_amount = _amount(r.first(entry, "c:Amt"), entry, name, f"écriture {rank}")
    sign = Decimal(-1) if r.text(entry, "c:CdtDbtInd") == "DBIT" else Decimal(1)
    reversal = r.text(entry, "c:RvslInd").lower() in ("true", "1")  # xs:boolean
    status = r.text(entry, "c:Sts/c:Cd", "c:Sts") or "BOOK"
    booked = _date(r.first(entry, "c:BookgDt/c:Dt", "c:BookgDt/c:DtTm"), name, f"écriture {rank}")
    valued = _date(r.first(entry, "c:ValDt/c:Dt", "c:ValDt/c:DtTm"), name, f"écriture {rank}")
    booked = booked or valued or default_day()
    if booked is None:
        raise CamtError(f"{_at(name, entry)} : écriture {rank} sans date (ni comptabilisation, ni valeur, ni relevé)")
    entry_ref = r.text(entry, "c:AcctSvcrRef") or r.text(entry, "c:NtryRef")
    info = r.text(entry, "c:AddtlNtryInf")
    currency = r.text(entry, "c:Amt/@Ccy") or statement.currency
    transactions = r.all(entry, "c:NtryDtls/c:TxDtls")
    lines = []
    for index, tx in enumerate(transactions or [None], start=1):
        if tx is None:
            amount, ref, e2e, debtor, iban, texts, reason = entry_amount, entry_ref, "", "", "", [], ""
        else:
            tx_amount = r.first(tx, "c:Amt", "c:AmtDtls/c:TxAmt/c:Amt", "c:AmtDtls/c:InstdAmt/c:Amt")
            if tx_amount is None and len(transactions) > 1:
                raise CamtError(f"{_at(name, tx)} : écriture {rank}, transaction {index} sans montant dans un lot")
            # a single transaction takes the booked entry amount (its own may be in another currency)
            where = f"écriture {rank}, transaction {index}"
            amount = _amount(tx_amount, tx, name, where) if len(transactions) > 1 else entry_amount
            if len(transactions) > 1 and r.text(tx, "c:CdtDbtInd") in ("CRDT", "DBIT"):
                amount = amount if (r.text(tx, "c:CdtDbtInd") == "DBIT") == (sign < 0) else -amount
            ref = r.text(tx, "c:Refs/c:AcctSvcrRef")
            e2e = r.text(tx, "c:Refs/c:EndToEndId")
            debtor = r.text(tx, "c:RltdPties/c:Dbtr/c:Nm", "c:RltdPties/c:Dbtr/c:Pty/c:Nm")
            iban = r.text(tx, "c:RltdPties/c:DbtrAcct/c:Id/c:IBAN")
            texts = [t.text.strip() for t in r.all(tx, "c:RmtInf/c:Ustrd") if t.text and t.text.strip()]
            texts += [t.text.strip() for t in r.all(tx, "c:RmtInf/c:Strd/c:CdtrRefInf/c:Ref") if t.text]
            texts += [t.text.strip() for t in r.all(tx, "c:RmtInf/c:Strd/c:RfrdDocInf/c:Nb") if t.text]  # invoices
            reason = r.text(tx, "c:RtrInf/c:Rsn/c:Cd")
        line = BankLine(
            line_id="",
            account=statement.account,
            currency=currency,
            booking_date=booked,
            value_date=valued,
            amount=sign * amount,
            label=info,
            reference=" ".join(texts),
            entry_number=entry_ref,
            interbank_code=r.text(entry, "c:BkTxCd/c:Domn/c:Fmly/c:SubFmlyCd"),
            reject_code=reason,
            record=rank,
            debtor_name=debtor,
            debtor_iban=iban,
            end_to_end_id=e2e if e2e.upper() not in PLACEHOLDERS else "",
            reversal=reversal,
            status=status,
        )
        line.line_id = _line_id(line, ref, entry_ref, index, len(transactions), seen)
        lines.append(line)
    return lines


def _line_id(line: BankLine, tx_ref: str, entry_ref: str, index: int, count: int, seen: dict) -> str:
    """The bank's reference (AcctSvcrRef, else NtryRef / EndToEndId), else a hash of the line; in a batch
    the transaction's rank is added, since banks repeat one reference on all its transactions."""
    rank = f"-{index}" if count > 1 else ""
    tx_ref, entry_ref = (x if x.upper() not in PLACEHOLDERS else "" for x in (tx_ref, entry_ref))
    if tx_ref:
        return f"CAMT-{tx_ref}{rank}"
    if entry_ref:
        return f"CAMT-{entry_ref}{rank}"
    if line.end_to_end_id:
        return f"CAMT-E2E-{line.end_to_end_id}-{line.booking_date:%Y%m%d}-{line.amount}"
    return hashed_id(
        "CAMT",
        [line.account, line.booking_date, line.value_date, line.amount, line.label, line.reference, line.debtor_name],
        seen,
    )
