"""Bank statement files for the demo: ISO 20022 camt.053.001.08 and French CFONB 120.

Both writers take the same `StatementData` (one account, one period, its movements) and give the bytes
of a file that `assets.payments.camt.parse_camt` and `assets.payments.cfonb.parse_cfonb120` read back.

camt.053 (XML, UTF-8): one `BkToCstmrStmt` with one `Stmt` per statement; balances OPBD (dated the first
day covered) and CLBD (dated the last); one booked `Ntry` per movement with its bank transaction code
(ISO domain/family/sub-family, and the CFONB operation code as proprietary code), the bank's reference
(`AcctSvcrRef`), the label (`AddtlNtryInf`) and one `TxDtls` per transaction (several for a batch):
end-to-end id, amount, debtor name and IBAN, remittance text (`Ustrd`, cut to 140 characters), return
reason. A returned direct debit is a debit entry with `RvslInd` true.

CFONB 120 (latin-1, records of 120 characters ended by CRLF): per statement a 01 record (old balance,
dated the day before the first day covered, as the format defines it), one 04 record per movement, its
05 complements and a 07 record (new balance, dated the last day covered). Amounts have 14 positions,
2 decimals and the sign carried by the last character ("overpunch": `{` `A`-`I` for a credit ending in
0-9, `}` `J`-`R` for a debit). The 04 record carries the label (31 characters), and, when the movement
has a bank reference, that reference in the reference zone (16 characters) and the movement's rank in
its statement as entry number (zeros otherwise). Complements: LIB for the remittance text, cut between
words into pieces of 70 characters; NPY for the debtor's name; RCN for the end-to-end id (the debtor's
IBAN is not written). A reversal has, in the reject zone, the CFONB code of the operation it undoes
(A1 for a direct debit collection, 02 for a cheque remittance, 06 for an issued transfer) and its ISO
reason in a LIB complement ("MOTIF AM04"). A batch is one 04 record of its total.

Which codes a movement gets depends on its label, sign and `reversal` flag (see `bank_codes`).
"""

from __future__ import annotations

import datetime as dt
import textwrap
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from lxml import etree

CAMT_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
CFONB_DETAIL_WIDTH = 70
CFONB_LABEL_WIDTH = 31
CFONB_REFERENCE_WIDTH = 16
USTRD_WIDTH = 140


@dataclass(frozen=True)
class Movement:
    booking_date: dt.date
    amount: Decimal  # + credit to our account, - debit
    label: str  # short bank label: "VIR SEPA RECU", "PRLV SEPA", "REMISE CHEQUES", "FRAIS BANCAIRES", "IMPAYE PRLV"
    remittance: str = ""  # unstructured remittance text (invoice numbers...)
    bank_ref: str = ""  # the bank's own reference (camt: up to 35 characters; CFONB: up to 16)
    debtor_name: str = ""
    debtor_iban: str = ""
    end_to_end_id: str = ""
    reversal: bool = False  # a returned direct debit (or cheque, or credit transfer)
    return_reason: str = ""  # ISO reason code, e.g. "AM04", "MD06"
    value_date: dt.date | None = None  # None: the booking date
    batch: tuple[Movement, ...] = ()  # camt: one entry with one TxDtls per item; amount = sum of the items


@dataclass(frozen=True)
class StatementData:
    iban: str
    bic: str
    holder: str
    currency: str  # "EUR"
    number: int  # statement sequence number
    opening_date: dt.date  # first day covered
    closing_date: dt.date  # last day covered
    opening_balance: Decimal
    movements: tuple[Movement, ...]

    @property
    def closing_balance(self) -> Decimal:
        return self.opening_balance + sum((m.amount for m in self.movements), Decimal("0"))


class BankCodes(NamedTuple):
    domain: str  # ISO 20022 bank transaction code: domain, family, sub-family
    family: str
    subfamily: str
    cfonb: str  # CFONB interbank operation code (zone 2-I of the 04 record)


_CODES = {
    "transfer_received": BankCodes("PMNT", "RCDT", "ESCT", "05"),  # virement reçu
    "transfer_issued": BankCodes("PMNT", "ICDT", "ESCT", "06"),  # virement émis
    "transfer_returned": BankCodes("PMNT", "ICDT", "RRTN", "12"),  # rejet/retour d'un virement émis
    "direct_debit_collected": BankCodes("PMNT", "IDDT", "ESDD", "A1"),  # prélèvement SEPA émis (créancier)
    "direct_debit_paid": BankCodes("PMNT", "RDDT", "ESDD", "B1"),  # prélèvement SEPA domicilié (débiteur)
    "direct_debit_unpaid": BankCodes("PMNT", "IDDT", "UPDD", "B3"),  # prélèvement SEPA impayé reçu (créancier)
    "cheques_deposited": BankCodes("PMNT", "RCHQ", "CCHQ", "02"),  # remise de chèques
    "cheque_paid": BankCodes("PMNT", "ICHQ", "CCHQ", "01"),  # chèque payé
    "cheque_unpaid": BankCodes("PMNT", "RCHQ", "UPCQ", "03"),  # chèque impayé
    "fees": BankCodes("ACMT", "MDOP", "CHRG", "62"),  # commissions et frais
    "fees_refunded": BankCodes("ACMT", "MCOP", "CHRG", "99"),  # régularisation de frais
}
# the operation a reversal undoes: its CFONB code goes in the reject zone of the 04 record
_REVERSED = {"direct_debit_unpaid": "A1", "cheque_unpaid": "02", "transfer_returned": "06"}


def _kind(m: Movement) -> str:
    label = _ascii(m.label).upper()
    credit = m.amount >= 0
    cheque = "CHQ" in label or "CHEQUE" in label
    if m.reversal:
        if cheque:
            return "cheque_unpaid"
        return "direct_debit_unpaid" if not credit else "transfer_returned"
    if "PRLV" in label or "PRELEVEMENT" in label:
        return "direct_debit_collected" if credit else "direct_debit_paid"
    if cheque:
        return "cheques_deposited" if credit else "cheque_paid"
    if any(word in label for word in ("FRAIS", "COMMISSION", "COTISATION", "AGIOS")):
        return "fees" if not credit else "fees_refunded"
    return "transfer_received" if credit else "transfer_issued"


def bank_codes(m: Movement) -> BankCodes:
    """The codes a movement is written with. A reversal is a returned cheque when its label speaks of a
    cheque (CHQ, CHEQUE), else a returned direct debit (debit) or a returned credit transfer (credit);
    otherwise PRLV/PRELEVEMENT is a direct debit, CHQ/CHEQUE a cheque, FRAIS/COMMISSION/COTISATION/AGIOS
    bank fees, anything else a SEPA credit transfer; the sign picks the direction."""
    return _CODES[_kind(m)]


# ---------------------------------------------------------------------------------------------- camt.053


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


# ---------------------------------------------------------------------------------------------- CFONB 120


def cfonb120(statements: list[StatementData], bank_code: str, branch_code: str, account_number: str) -> bytes:
    """The statements of one account as a CFONB 120 file (records 01, 04, 05, 07; latin-1, CRLF)."""
    if not statements:
        raise ValueError("CFONB 120 : aucun relevé à écrire")
    if len({s.iban for s in statements}) > 1:
        raise ValueError("CFONB 120 : un fichier par compte (les relevés donnés portent sur plusieurs IBAN)")
    for value, width, what in ((bank_code, 5, "code banque"), (branch_code, 5, "code guichet")):
        if len(value) != width or not value.isdigit():
            raise ValueError(f"CFONB 120 : {what} « {value} » : {width} chiffres attendus")
    if len(account_number) != 11 or not (account_number.isascii() and account_number.isalnum()):
        raise ValueError(f"CFONB 120 : numéro de compte « {account_number} » : 11 caractères attendus")
    records: list[str] = []
    for s in statements:
        _check_statement(s)
        account = _Account(bank_code, branch_code, account_number.upper(), s.currency)
        records.append(account.balance("01", s.opening_date - dt.timedelta(days=1), s.opening_balance))
        for rank, m in enumerate(s.movements, start=1):
            records.extend(_cfonb_movement(account, m, rank))
        records.append(account.balance("07", s.closing_date, s.closing_balance))
    for record in records:
        assert len(record) == 120, record
    return "".join(f"{r}\r\n" for r in records).encode("latin-1")


@dataclass(frozen=True)
class _Account:
    bank: str
    branch: str
    number: str
    currency: str

    def head(self, kind: str, internal_code: str) -> str:
        """Positions 1-32: record code, bank, internal operation code, branch, currency, decimals, account."""
        return f"{kind}{self.bank}{internal_code:4}{self.branch}{self.currency:3}2 {self.number}"

    def balance(self, kind: str, day: dt.date, amount: Decimal) -> str:
        return f"{self.head(kind, '')}  {day:%d%m%y}{'':50}{_overpunch(amount)}{'':16}"


def _cfonb_movement(account: _Account, m: Movement, rank: int) -> list[str]:
    kind = _kind(m)
    code = _CODES[kind].cfonb
    head = f"{account.head('04', '00' + code)}{code}{m.booking_date:%d%m%y}"
    reject = _REVERSED.get(kind, "") if m.reversal else ""
    if len(m.bank_ref) > CFONB_REFERENCE_WIDTH:
        raise ValueError(f"CFONB 120 : référence « {m.bank_ref} » de plus de {CFONB_REFERENCE_WIDTH} caractères")
    entry_number = f"{rank:07d}" if m.bank_ref else "0000000"
    records = [
        f"{head}{reject:2}{m.value_date or m.booking_date:%d%m%y}{_text(m.label, CFONB_LABEL_WIDTH)}"
        f"  {entry_number}00{_overpunch(m.amount)}{_text(m.bank_ref, CFONB_REFERENCE_WIDTH)}"
    ]
    detail_head = f"{account.head('05', '00' + code)}{code}{m.booking_date:%d%m%y}{'':5}"
    details = [("LIB", piece) for piece in _pieces(m.remittance)]
    if m.debtor_name:
        details.append(("NPY", m.debtor_name))
    if m.end_to_end_id:
        details.append(("RCN", m.end_to_end_id))
    if m.reversal and m.return_reason:
        details.append(("LIB", f"MOTIF {m.return_reason}"))
    records += [f"{detail_head}{q}{_text(t, CFONB_DETAIL_WIDTH)}  " for q, t in details]
    return records


def _pieces(text: str) -> list[str]:
    """The remittance text in pieces of at most 70 characters, cut between words where it can be."""
    return textwrap.wrap(_latin1(text), CFONB_DETAIL_WIDTH, break_on_hyphens=False)


def _overpunch(amount: Decimal) -> str:
    """14 positions: the amount in cents, its last digit replaced by a letter carrying the sign."""
    cents = _cents(amount)
    digits = f"{abs(cents):014d}"
    if len(digits) > 14:
        raise ValueError(f"CFONB 120 : montant {amount} trop grand")
    last = int(digits[-1])
    if cents < 0:
        sign = "}" if last == 0 else chr(ord("J") + last - 1)
    else:
        sign = "{" if last == 0 else chr(ord("A") + last - 1)
    return digits[:-1] + sign


def _text(text: str, width: int) -> str:
    return _latin1(text)[:width].ljust(width)


def _latin1(text: str) -> str:
    """The text as a CFONB file can carry it: latin-1, no control characters (accents outside latin-1
    are dropped, other characters become "?")."""
    out = []
    for char in text:
        if unicodedata.category(char).startswith("C"):
            out.append(" ")
        elif ord(char) < 256:
            out.append(char)
        else:
            out.append(_OUTSIDE_LATIN1.get(char) or _ascii(char) or "?")
    return "".join(out)


_OUTSIDE_LATIN1 = {"Œ": "OE", "œ": "oe", "€": "EUR", "’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"}


# ---------------------------------------------------------------------------------------------- common


def _check_statement(s: StatementData) -> None:
    if s.closing_date < s.opening_date:
        raise ValueError(f"relevé {s.number} : se termine le {s.closing_date} avant de commencer le {s.opening_date}")
    _cents(s.opening_balance)
    for m in s.movements:
        if not s.opening_date <= m.booking_date <= s.closing_date:
            raise ValueError(
                f"relevé {s.number} : mouvement du {m.booking_date} hors de la période "
                f"{s.opening_date} – {s.closing_date}"
            )
        if m.batch:
            if sum((b.amount for b in m.batch), Decimal("0")) != m.amount:
                raise ValueError(f"relevé {s.number} : lot « {m.label} » de {m.amount} ≠ somme de ses opérations")
            if any((b.amount < 0) != (m.amount < 0) for b in m.batch):
                raise ValueError(f"relevé {s.number} : lot « {m.label} » mêlant crédits et débits")


def _cents(amount: Decimal) -> int:
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"montant {amount} : pas plus de deux décimales")
    return int(cents)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


# ---------------------------------------------------------------------------------------------- RIB / IBAN

_RIB_LETTERS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "12345678912345678923456789")


def rib_key(bank_code: str, branch_code: str, account_number: str) -> str:
    """The two-digit key of a French RIB (letters of the account number count as digits, A/J=1 ... Z=9)."""
    account = account_number.upper().translate(_RIB_LETTERS)
    return f"{97 - (89 * int(bank_code) + 15 * int(branch_code) + 3 * int(account)) % 97:02d}"


def french_iban(bank_code: str, branch_code: str, account_number: str) -> str:
    """The FR IBAN of a bank code (5 digits), branch code (5 digits) and account number (11 characters)."""
    bban = f"{bank_code}{branch_code}{account_number.upper()}{rib_key(bank_code, branch_code, account_number)}"
    return f"FR{98 - _mod97(bban + 'FR00'):02d}{bban}"


def rib_from_iban(iban: str) -> tuple[str, str, str, str]:
    """(bank code, branch code, account number, RIB key) of a French IBAN; ValueError if it is not one."""
    compact = iban.replace(" ", "").upper()
    if len(compact) != 27 or not compact.startswith(("FR", "MC")) or not compact.isalnum():
        raise ValueError(f"IBAN « {iban} » : pas un IBAN français (FR ou MC, 27 caractères)")
    if _mod97(compact[4:] + compact[:4]) != 1:
        raise ValueError(f"IBAN « {iban} » : clé de contrôle IBAN fausse")
    bank, branch, account, key = compact[4:9], compact[9:14], compact[14:25], compact[25:27]
    if not (bank + branch + key).isdigit() or rib_key(bank, branch, account) != key:
        raise ValueError(f"IBAN « {iban} » : clé RIB fausse")
    return bank, branch, account, key


def _mod97(text: str) -> int:
    return int("".join(str(int(c, 36)) for c in text)) % 97
