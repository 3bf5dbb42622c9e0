"""Bank statements as the payment stage sees them, whatever their format (CFONB 120, camt.053/054)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

# The largest amount a bank line, a receipt or a balance may have (exclusive): far above any real payment,
# and low enough that a statement's sums stay within the warehouse's DECIMAL(18, 2), which would turn a
# larger value into NULL without a word.
MAX_AMOUNT = Decimal(10) ** 12


@dataclass
class BankLine:
    line_id: str
    account: str
    currency: str
    booking_date: dt.date
    value_date: dt.date | None
    amount: Decimal
    label: str
    reference: str
    entry_number: str
    interbank_code: str
    reject_code: str
    details: list[tuple[str, str]] = field(default_factory=list)
    record: int = 0  # where the line is in its file (CFONB record number, camt entry rank)
    debtor_name: str = ""
    debtor_iban: str = ""
    end_to_end_id: str = ""
    reversal: bool = False  # a returned direct debit or a reversal: it reopens what it settled
    status: str = "BOOK"

    @property
    def text(self) -> str:
        """Everything a person would read to recognise the payment."""
        return " ".join([self.label, self.reference] + [t for _, t in self.details]).strip()


@dataclass
class Statement:
    account: str
    currency: str
    opening_date: dt.date | None
    opening_balance: Decimal
    closing_date: dt.date | None = None
    closing_balance: Decimal | None = None
    lines: list[BankLine] = field(default_factory=list)
    record: int = 0
    has_balances: bool = field(default=True, compare=False, repr=False)

    @property
    def movements(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))

    @property
    def balanced(self) -> bool:
        """Opening balance + movements = closing balance (to the cent)."""
        return self.closing_balance is not None and self.opening_balance + self.movements == self.closing_balance


def hashed_id(prefix: str, parts: list[object], seen: dict[str, int]) -> str:
    """An id for a line the bank gives no reference for: a hash of what it says, plus its rank among
    identical lines of the same file or statement (`seen`), so that two identical lines stay two."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:20]
    seen[digest] = seen.get(digest, 0) + 1
    return f"{prefix}-{digest}-{seen[digest]}"
