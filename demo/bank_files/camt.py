"""The camt.053.001.08 writer (ISO 20022 XML, UTF-8): see demo/bank_files/__init__.py for the layout."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lxml import etree

from demo.bank_files.statement import Movement, StatementData, _cents, _check_statement, bank_codes

CAMT_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
USTRD_WIDTH = 140


def camt053(statements: list[StatementData], created: dt.datetime, message_id: str) -> bytes:
    """One camt.053.001.08 message (BkToCstmrStmt) holding one Stmt per statement, in the order given."""
    if not statements:
        raise ValueError("camt053 : aucun relevé à écrire")
    root = etree.Element(f"{{{CAMT_NS}}}Document", nsmap={None: CAMT_NS})
    message = _sub(root, "BkToCstmrStmt")
    header = _sub(message, "GrpHdr")
    _sub(header, "MsgId", _max35(message_id, "MsgId"))
    _sub(header, "CreDtTm", created.isoformat(timespec="seconds"))
    paging = _sub(header, "MsgPgntn")
    _sub(paging, "PgNb", "1")
    _sub(paging, "LastPgInd", "true")
    for s in statements:
        _camt_statement(message, s, created)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _camt_statement(parent, s: StatementData, created: dt.datetime) -> None:
    _check_statement(s)
    node = _sub(parent, "Stmt")
    _sub(node, "Id", f"{s.closing_date:%Y%m%d}-{s.number:05d}")
    _sub(node, "ElctrncSeqNb", str(s.number))
    _sub(node, "LglSeqNb", str(s.number))
    _sub(node, "CreDtTm", created.isoformat(timespec="seconds"))
    period = _sub(node, "FrToDt")
    _sub(period, "FrDtTm", f"{s.opening_date.isoformat()}T00:00:00")
    _sub(period, "ToDtTm", f"{s.closing_date.isoformat()}T23:59:59")
    account = _sub(node, "Acct")
    _sub(_sub(account, "Id"), "IBAN", s.iban)
    _sub(account, "Ccy", s.currency)
    if s.holder:
        _sub(_sub(account, "Ownr"), "Nm", s.holder[:140])
    if s.bic:
        _sub(_sub(_sub(account, "Svcr"), "FinInstnId"), "BICFI", s.bic)
    _camt_balance(node, "OPBD", s.opening_balance, s.opening_date, s.currency)
    _camt_balance(node, "CLBD", s.closing_balance, s.closing_date, s.currency)
    for m in s.movements:
        _camt_entry(node, m, s.currency)


def _camt_balance(parent, code: str, amount: Decimal, day: dt.date, currency: str) -> None:
    node = _sub(parent, "Bal")
    _sub(_sub(_sub(node, "Tp"), "CdOrPrtry"), "Cd", code)
    _camt_amount(node, "Amt", amount, currency)
    _sub(node, "CdtDbtInd", "DBIT" if amount < 0 else "CRDT")
    _sub(_sub(node, "Dt"), "Dt", day.isoformat())


def _camt_entry(parent, m: Movement, currency: str) -> None:
    codes = bank_codes(m)
    node = _sub(parent, "Ntry")
    _camt_amount(node, "Amt", m.amount, currency)
    _sub(node, "CdtDbtInd", "DBIT" if m.amount < 0 else "CRDT")
    if m.reversal:
        _sub(node, "RvslInd", "true")
    _sub(_sub(node, "Sts"), "Cd", "BOOK")
    _sub(_sub(node, "BookgDt"), "Dt", m.booking_date.isoformat())
    _sub(_sub(node, "ValDt"), "Dt", (m.value_date or m.booking_date).isoformat())
    if m.bank_ref:
        _sub(node, "AcctSvcrRef", _max35(m.bank_ref, "AcctSvcrRef"))
    code = _sub(node, "BkTxCd")
    domain = _sub(code, "Domn")
    _sub(domain, "Cd", codes.domain)
    family = _sub(domain, "Fmly")
    _sub(family, "Cd", codes.family)
    _sub(family, "SubFmlyCd", codes.subfamily)
    proprietary = _sub(code, "Prtry")
    _sub(proprietary, "Cd", codes.cfonb)
    _sub(proprietary, "Issr", "CFONB")
    details = _sub(node, "NtryDtls")
    if m.batch:
        batch = _sub(details, "Btch")
        _sub(batch, "NbOfTxs", str(len(m.batch)))
        _camt_amount(batch, "TtlAmt", m.amount, currency)
        _sub(batch, "CdtDbtInd", "DBIT" if m.amount < 0 else "CRDT")
    for item in m.batch or (m,):
        _camt_transaction(details, item, currency, own_ref=bool(m.batch))
    if m.label:
        _sub(node, "AddtlNtryInf", m.label[:500])


def _camt_transaction(parent, m: Movement, currency: str, own_ref: bool) -> None:
    node = _sub(parent, "TxDtls")
    if (own_ref and m.bank_ref) or m.end_to_end_id:
        refs = _sub(node, "Refs")
        if own_ref and m.bank_ref:
            _sub(refs, "AcctSvcrRef", _max35(m.bank_ref, "TxDtls/Refs/AcctSvcrRef"))
        if m.end_to_end_id:
            _sub(refs, "EndToEndId", _max35(m.end_to_end_id, "EndToEndId"))
    _camt_amount(node, "Amt", m.amount, currency)
    _sub(node, "CdtDbtInd", "DBIT" if m.amount < 0 else "CRDT")
    if m.debtor_name or m.debtor_iban:
        parties = _sub(node, "RltdPties")
        if m.debtor_name:
            _sub(_sub(_sub(parties, "Dbtr"), "Pty"), "Nm", m.debtor_name[:140])
        if m.debtor_iban:
            _sub(_sub(_sub(parties, "DbtrAcct"), "Id"), "IBAN", m.debtor_iban.replace(" ", ""))
    if m.remittance.strip():
        _sub(_sub(node, "RmtInf"), "Ustrd", m.remittance.strip()[:USTRD_WIDTH])
    if m.return_reason:
        _sub(_sub(_sub(node, "RtrInf"), "Rsn"), "Cd", m.return_reason)


def _camt_amount(parent, tag: str, amount: Decimal, currency: str) -> None:
    cents = _cents(amount)
    _sub(parent, tag, f"{abs(cents) // 100}.{abs(cents) % 100:02d}", Ccy=currency)


def _sub(parent, tag: str, text: str | None = None, **attributes: str):
    node = etree.SubElement(parent, f"{{{CAMT_NS}}}{tag}", attributes)
    if text is not None:
        node.text = text
    return node


def _max35(text: str, what: str) -> str:
    if not 1 <= len(text) <= 35:
        raise ValueError(f"camt.053 : {what} « {text} » doit faire de 1 à 35 caractères")
    return text
