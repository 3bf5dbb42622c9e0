"""What a bank statement holds, whatever its format: the account and period (`StatementData`), its movements
(`Movement`), the bank transaction codes a movement is written with (`bank_codes`), and the checks both
writers make before writing a statement."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple


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


# ---------------------------------------------------------------------------------------------- checks


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
