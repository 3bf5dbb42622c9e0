"""What the matching engine (matching.py) takes and gives: invoices, bank lines, recorded allocations and
manual decisions, the state of each line, letter events, and the statuses and rules they name."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal("0.00")

# statuses of a bank line after matching
MATCHED = "rapproche"  # fully allocated to invoices
CREDIT = "credit"  # payer known, part or all of the amount not allocated: the payer's credit
QUEUED = "non_rapproche"  # waits for a manual decision
NOT_OURS = "hors_recettes"  # a manual decision says it is not a receipt of ours
RETURN = "rejet"  # a return or reversal, applied to its original line
RETURNED = "rejete"  # an original line cancelled by its return before it was matched
DEBIT = "debit"  # money going out: not a receipt
OTHER_CURRENCY = "devise"  # not in euros: not matched

RULE_MANUAL, RULE_RETURN, RULE_REFERENCE, RULE_AMOUNT = "manuel", "rejet", "reference", "payeur_montant"
RULE_CREDIT = "credit"  # a payer's credit applied to its open invoices, or freed from an invoice credited beyond it


@dataclass(frozen=True)
class Invoice:
    number: str
    payer_code: str
    issue_date: dt.date
    open_amount: Decimal  # amount + its credit notes - every allocation recorded so far
    settled_on: dt.date | None = None  # when its open amount is 0 without any allocation (credit notes, write-off)


@dataclass(frozen=True)
class Line:
    line_id: str
    date: dt.date
    amount: Decimal
    text: str = ""
    iban: str = ""
    name: str = ""
    end_to_end_id: str = ""
    reversal: bool = False  # a returned direct debit or a reversal
    payer_hint: str = ""  # the payer column of a manual receipt: a payer code or a name
    currency: str = "EUR"


@dataclass(frozen=True)
class Allocation:
    line_id: str
    number: str
    amount: Decimal  # negative: what a return or a changed decision takes back
    rule: str
    date: dt.date


@dataclass(frozen=True)
class Decision:
    line_id: str
    number: str  # empty: not a receipt of ours
    amount: Decimal | None  # None: the whole line (or what remains of it)
    source_line: int = 0


@dataclass(frozen=True)
class Rejected:
    source_line: int
    column: str
    value: str
    reason: str


@dataclass
class LineState:
    line_id: str
    status: str
    payer_code: str = ""
    rule: str = ""
    allocated: Decimal = ZERO
    unallocated: Decimal = ZERO
    reason: str = ""
    reverses: str = ""


@dataclass(frozen=True)
class Letter:
    payer_code: str
    letter: str
    number: str
    date: dt.date
    event: str  # lettre (settled) or delettre (reopened)


@dataclass(frozen=True)
class Settled:
    """What the bank lines a run leaves out still tell it. A close matches only the lines whose state can
    still change (matching_run.py); a line settled for good (fully allocated, a debit, a return applied, the
    debit it returned) is left out, but its account may have taught which payer it belongs to, and a debit
    already returned cannot be returned again."""

    taken: frozenset[str] = frozenset()  # debits reversed by a return left out
    payers_of: dict[str, frozenset[str]] = field(default_factory=dict)  # account -> payers its references settled


@dataclass(frozen=True)
class Lettering:
    """What the letter events recorded tell the matching: the letter each invoice holds now (its last event,
    when it is a `lettre`), and how many letters each payer was ever given (a letter is never given twice).
    `from_events` reads them from every event; the warehouse gives them for the invoices read only
    (payments/active_letters.sql, payments/used_letters.sql)."""

    active: dict[str, Letter] = field(default_factory=dict)  # invoice -> its letter
    used: dict[str, int] = field(default_factory=dict)  # payer -> letters given

    @classmethod
    def from_events(cls, events: list[Letter]) -> Lettering:
        active: dict[str, Letter] = {}
        given: dict[str, set[str]] = defaultdict(set)
        for event in events:
            given[event.payer_code].add(event.letter)
            if event.event == "lettre":
                active[event.number] = event
            else:
                active.pop(event.number, None)
        return cls(active, {payer: len(letters) for payer, letters in given.items()})


@dataclass(frozen=True)
class Credits:
    """How a run applies the payers' credits (docs/rules.md "Receivables and dunning", credits), after every
    other rule: on the day `on` (the month's end), to the payers `applies` accepts, never to the invoices
    `excluded` (presented to a direct debit not collected yet: the bank takes their whole amount). `refunded`:
    what refunds took of each line's credit so far; `reserved`: what each payer's oldest credits keep for the
    refunds the cell asked (relances/remboursements.csv)."""

    on: dt.date
    applies: Callable[[str], bool] = field(default=lambda code: True)  # by payer code
    excluded: frozenset[str] = frozenset()
    refunded: dict[str, Decimal] = field(default_factory=dict)
    reserved: dict[str, Decimal] = field(default_factory=dict)  # by payer: kept for the refunds asked


@dataclass(frozen=True)
class MatchResult:
    allocations: list[Allocation]
    states: dict[str, LineState]
    letters: list[Letter]
    rejected: list[Rejected]
