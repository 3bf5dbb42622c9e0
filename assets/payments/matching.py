"""Matching receipts to invoices (lettrage), DOMAIN.md "Receipts and matching", as one pure function.

`match` takes the invoices with what is still open on them, the bank lines up to the cut-off, the
allocations already recorded and the manual decisions, and returns the allocations to *append* (never to
change), the state of every line, and the letter codes that change. Order of the rules:

0. manual decisions (`relances/lettrage_manuel.csv`) first, never overridden: a line with a decision gets
   exactly the allocations decided (the difference with what it has is appended, rule `manuel`; an amount
   it has already is not checked again against what is still due); a line whose decision row is gone loses
   its manual allocations and goes back to automatic matching;
1. returns: a returned direct debit or a reversal reverses what its original line had settled (rule
   `rejet`), found by end-to-end id, else by payer and opposite amount;
2. `reference`: invoice numbers in the remittance text, tolerant forms (F2026-000123, F2026000123,
   F 2026 123, FACT 2026-123), settle those invoices oldest first; a surplus settles the payer's other
   open invoices if it is the amount of exactly one combination of them (rule 3 on the rest: a text cut
   by the bank loses numbers), else it stays as the payer's credit;
3. `payeur_montant`: the payer known by IBAN (referential, or learnt from earlier matches), else by name,
   else by the payer column of a manual receipt; the amount equals one open invoice (the oldest of equal
   ones: Code civil art. 1342-10), or the sum of a unique combination of its open invoices;
4. otherwise the line waits in the unmatched queue, with the reason.

Automatic matching is never unsure. References naming several payers, or only another payer than the
account's, go to the queue (a stray number among the account payer's own is left out, as is a number cut
at the end of a 140-character remittance). An account or a name shared by several payers settles only
the payer whose name the text gives, else the one whose open invoices fit the amount when only one's do;
an account learnt from a reference decides between payers of the same name. Two combinations of the same
amount go to the queue.
An invoice is settled when its open amount is 0; the invoices a line settles get one letter code of their
payer (`AA`, `AB`, … `ZZ`, `AAA`, …), dated on the line's date; a return reopens them (the code is not
given again).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
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

SUBSET_STATES = 50_000  # beyond this many partial sums, a combination search gives up (to the queue)

_REFERENCE = re.compile(
    r"(?<![A-Z0-9])(?:FACTURES?|FACT|FAC|FA|F)\s*(?:N[O°º]?\s*)?[-./:]?\s*(20\d\d)\s*[-./]?\s*(\d{1,6})(?!\d)"
)
_CIVILITIES = {"M", "MR", "MME", "MLLE", "MM", "MADAME", "MONSIEUR", "MADEMOISELLE", "OU", "ET", "EPOUSE", "VEUVE"}


@dataclass(frozen=True)
class Invoice:
    number: str
    payer_code: str
    issue_date: dt.date
    open_amount: Decimal  # amount + its credit notes - every allocation recorded so far
    settled_on: dt.date | None = None  # when its open amount is 0 without any allocation (credit notes)


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


@dataclass
class Directory:
    """Who pays from which account and under which name: referential IBANs and names, plus accounts
    learnt from lines already matched to one payer."""

    ibans: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    names: dict[frozenset, set[str]] = field(default_factory=lambda: defaultdict(set))
    codes: set[str] = field(default_factory=set)
    _by_code: dict[str, set[frozenset]] | None = None

    def names_of(self, code: str) -> set[frozenset]:
        if self._by_code is None:
            self._by_code = defaultdict(set)
            for key, codes in self.names.items():
                for c in codes:
                    self._by_code[c].add(key)
        return self._by_code.get(code, set())

    def add(self, code: str, iban: str = "", *names: str) -> None:
        self._by_code = None
        self.codes.add(code)
        if normal_iban(iban):
            self.ibans[normal_iban(iban)].add(code)
        for name in names:
            key = name_key(name)
            if key:
                self.names[key].add(code)


@dataclass(frozen=True)
class Settled:
    """What the bank lines a run leaves out still tell it. A close matches only the lines whose state can
    still change (matching_run.py); a line settled for good (fully allocated, a debit, a return applied, the
    debit it returned) is left out, but its account may have taught which payer it belongs to, and a debit
    already returned cannot be returned again."""

    taken: frozenset[str] = frozenset()  # debits reversed by a return left out
    payers_of: dict[str, frozenset[str]] = field(default_factory=dict)  # account -> payers its references settled


@dataclass
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


@dataclass
class MatchResult:
    allocations: list[Allocation]
    states: dict[str, LineState]
    letters: list[Letter]
    rejected: list[Rejected]


def normal_iban(iban: str) -> str:
    return re.sub(r"\s+", "", iban or "").upper()


def name_key(name: str) -> frozenset:
    """The words of a name, without accents, punctuation nor civilities, in any order."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().upper()
    words = re.sub(r"[^A-Z0-9]+", " ", text).split()
    return frozenset(w for w in words if w not in _CIVILITIES and len(w) > 1)


def references(text: str) -> list[str]:
    """Invoice numbers named in a text, in the canonical form F2026-000123, in order of appearance."""
    found = []
    for year, seq in _REFERENCE.findall((text or "").upper()):
        number = f"F{year}-{int(seq):06d}"
        if number not in found and int(seq) > 0:
            found.append(number)
    return found


def letter_code(index: int) -> str:
    """0 → AA, 1 → AB, … 675 → ZZ, 676 → AAA, …"""
    length, base = 2, 26 * 26
    while index >= base:
        index -= base
        length += 1
        base *= 26
    code = ""
    for _ in range(length):
        index, rest = divmod(index, 26)
        code = chr(ord("A") + rest) + code
    return code


class _Book:
    """Open amounts and allocations while matching runs."""

    def __init__(self, invoices: list[Invoice], past: list[Allocation]):
        self.invoices = {i.number: i for i in invoices}
        self.open = {i.number: i.open_amount for i in invoices}
        self.by_line: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        self.rules: dict[str, set[str]] = defaultdict(set)
        for a in past:
            self.by_line[a.line_id][a.number] += a.amount
            self.rules[a.line_id].add(a.rule)
        self.by_payer: dict[str, list[str]] = defaultdict(list)
        for i in sorted(invoices, key=lambda i: (i.issue_date, i.number)):
            self.by_payer[i.payer_code].append(i.number)
        self.new: list[Allocation] = []
        self.changes: dict[str, int] = defaultdict(int)  # payer -> allocations to its invoices in this run
        self.settled_by: dict[str, Line] = {}  # invoice -> the line that brought it to 0 in this run
        self.reopened_by: dict[str, Line] = {}

    def net(self, line_id: str) -> dict[str, Decimal]:
        return {n: a for n, a in self.by_line.get(line_id, {}).items() if a}

    def allocate(self, line: Line, number: str, amount: Decimal, rule: str) -> None:
        if not amount:
            return
        before = self.open[number]
        self.open[number] = before - amount
        self.changes[self.invoices[number].payer_code] += 1
        self.by_line[line.line_id][number] += amount
        self.rules[line.line_id].add(rule)
        self.new.append(Allocation(line.line_id, number, amount, rule, line.date))
        if before != 0 and self.open[number] == 0:
            self.settled_by[number] = line
            self.reopened_by.pop(number, None)
        elif before == 0 and self.open[number] != 0:
            self.reopened_by[number] = line
            self.settled_by.pop(number, None)

    def open_invoices(self, payer: str) -> list[str]:
        return [n for n in self.by_payer.get(payer, []) if self.open[n] > 0]


def match(
    invoices: list[Invoice],
    lines: list[Line],
    past: list[Allocation],
    decisions: list[Decision],
    directory: Directory,
    letters: list[Letter] | Lettering,
    settled: Settled | None = None,
) -> MatchResult:
    """Allocations to append, the state of every line, and letter events (see the module docstring).
    `lines` are the bank lines up to the cut-off (all of them, or all but those `settled` speaks for);
    `past` every allocation recorded of these lines; `letters` every letter event recorded, or what they tell
    of these invoices (a `Lettering`). Running it again with its own result added to `past` and `letters`
    changes nothing: references are tried once, then payer + amount is repeated until nothing moves."""
    settled = settled or Settled()
    book = _Book(invoices, past)
    states: dict[str, LineState] = {}
    by_id = {line.line_id: line for line in lines}
    ordered = sorted(lines, key=lambda x: (x.date, x.line_id))
    rejected = _apply_decisions(book, by_id, decisions, states)
    _apply_returns(book, ordered, states, directory, settled.taken)
    pending = []
    for line in ordered:
        if line.line_id in states:
            continue
        if line.currency != "EUR":
            states[line.line_id] = LineState(line.line_id, OTHER_CURRENCY, reason="devise autre que l'euro")
        elif line.amount < 0:
            states[line.line_id] = LineState(line.line_id, DEBIT)
        elif book.net(line.line_id):
            states[line.line_id] = _state_of(book, line)
        else:
            state = _by_reference(book, line, directory)
            if state is None:
                pending.append(line)
            else:
                states[line.line_id] = state
    learned = _learn(book, directory, ordered, settled.payers_of)
    # a line left in the queue is tried again only when an invoice of one of its payers moved since: its
    # outcome depends on nothing else (the lines waiting for a decision pile up, close after close)
    tried: dict[str, tuple[int, ...]] = {}
    moved = True
    while moved:
        moved = False
        for line in pending:
            if line.line_id in states and states[line.line_id].status != QUEUED:
                continue
            payer, candidates = _candidates(line, directory, learned)
            seen = tuple(book.changes[code] for code in candidates)
            if tried.get(line.line_id) == seen:
                continue
            tried[line.line_id] = seen
            states[line.line_id] = _by_payer_amount(book, line, payer, candidates)
            moved = moved or states[line.line_id].status != QUEUED
    lettering = letters if isinstance(letters, Lettering) else Lettering.from_events(letters)
    return MatchResult(book.new, states, _letters(book, lettering), rejected)


def _apply_decisions(book: _Book, lines: dict[str, Line], decisions: list[Decision], states) -> list[Rejected]:
    rejected: list[Rejected] = []
    wanted: dict[str, list[Decision]] = defaultdict(list)
    for d in decisions:
        if d.line_id not in lines:
            rejected.append(Rejected(d.source_line, "id_ligne_bancaire", d.line_id, "ligne bancaire inconnue"))
        elif d.number and d.number not in book.invoices:
            rejected.append(Rejected(d.source_line, "numero_facture", d.number, "facture inconnue"))
        else:
            wanted[d.line_id].append(d)
    # lines whose manual allocations are no longer decided go back to automatic matching
    for line_id in sorted(lid for lid, rules in book.rules.items() if RULE_MANUAL in rules and lid not in wanted):
        if line_id in lines:
            for number, amount in sorted(book.net(line_id).items()):
                book.allocate(lines[line_id], number, -amount, RULE_MANUAL)
    for line_id in sorted(wanted):
        line, rows = lines[line_id], wanted[line_id]
        target: dict[str, Decimal] = defaultdict(Decimal)
        problem = None
        if any(not r.number for r in rows):
            if len(rows) > 1:
                problem = "une ligne « hors recettes » (facture vide) ne peut pas avoir d'autre décision"
        else:
            remaining = line.amount
            for r in rows:
                amount = remaining if r.amount is None else r.amount
                target[r.number] += amount
                remaining -= amount
            current = book.net(line_id)
            if line.amount > 0 and remaining < 0:
                problem = f"les montants décidés dépassent le montant de la ligne ({line.amount})"
            elif any(a <= 0 for a in target.values()) and line.amount > 0:
                problem = "montant décidé nul ou négatif"
            else:
                for number, amount in target.items():
                    if amount == current.get(number):
                        continue  # applied already: a credit note issued since does not undo it
                    available = book.open[number] + current.get(number, ZERO)
                    if amount > 0 and amount > available:
                        problem = f"{number} : montant décidé {amount} supérieur au reste dû {available}"
        if problem:
            for r in rows:
                rejected.append(Rejected(r.source_line, "montant", str(r.amount or ""), problem))
            continue
        current = book.net(line_id)
        for number in sorted(set(current) | set(target)):
            delta = target.get(number, ZERO) - current.get(number, ZERO)
            book.allocate(line, number, delta, RULE_MANUAL)
        if not target:
            states[line_id] = LineState(line_id, NOT_OURS, rule=RULE_MANUAL, reason="décision manuelle")
        else:
            state = _state_of(book, line)
            state.rule = RULE_MANUAL
            states[line_id] = state
    return rejected


def _learn(book: _Book, directory: Directory, lines: list[Line], before: dict[str, frozenset[str]]) -> dict[str, str]:
    """Accounts unknown to the referential that paid invoices of one payer only, by reference or by
    decision (these lines, and `before`: the lines left out): that payer's (a payer with two accounts).
    Used for payer + amount only."""
    payers_of: dict[str, set[str]] = defaultdict(set)
    for iban, payers in before.items():
        if iban and iban not in directory.ibans:
            payers_of[iban] |= payers
    for line in lines:
        iban = normal_iban(line.iban)
        net = book.net(line.line_id)
        if iban and iban not in directory.ibans and net and book.rules[line.line_id] & {RULE_MANUAL, RULE_REFERENCE}:
            payers_of[iban] |= {book.invoices[n].payer_code for n in net}
    return {iban: next(iter(p)) for iban, p in payers_of.items() if len(p) == 1}


def _apply_returns(book: _Book, lines: list[Line], states, directory: Directory, taken_before: frozenset[str]) -> None:
    originals: dict[str, list[Line]] = defaultdict(list)
    for line in lines:
        if line.amount > 0 and line.end_to_end_id:
            originals[line.end_to_end_id].append(line)
        if line.amount > 0 and normal_iban(line.iban):
            originals[f"{normal_iban(line.iban)}|{line.amount}"].append(line)
    taken = {s.reverses for s in states.values() if s.reverses} | taken_before
    for line in lines:
        if line.line_id in states or line.amount >= 0 or not line.reversal:
            continue
        candidates = originals.get(line.end_to_end_id, []) if line.end_to_end_id else []
        if not candidates and normal_iban(line.iban):
            candidates = originals.get(f"{normal_iban(line.iban)}|{-line.amount}", [])
        candidates = [
            c
            for c in candidates
            if c.date <= line.date
            and c.amount == -line.amount
            and c.line_id not in taken
            and c.currency == line.currency
        ]
        if not candidates:
            states[line.line_id] = LineState(
                line.line_id, QUEUED, reason="rejet ou annulation dont l'opération d'origine est introuvable"
            )
            continue
        original = candidates[-1]  # the latest one before the return
        taken.add(original.line_id)
        for number, amount in sorted(book.net(original.line_id).items()):
            if not book.net(line.line_id).get(number):
                book.allocate(line, number, -amount, RULE_RETURN)
        payer = _payer_of(book, original, directory) or ""
        states[line.line_id] = LineState(
            line.line_id, RETURN, payer, RULE_RETURN, reverses=original.line_id, reason="opération rejetée"
        )
        states[original.line_id] = LineState(
            original.line_id, RETURNED, payer, reason=f"rejetée par {line.line_id}", reverses=""
        )


def _payer_of(book: _Book, line: Line, directory: Directory) -> str | None:
    net = book.net(line.line_id)
    payers = {book.invoices[n].payer_code for n in net}
    if len(payers) == 1:
        return payers.pop()
    found = _identify(line, directory)
    return found if isinstance(found, str) else None


def _state_of(book: _Book, line: Line) -> LineState:
    net = book.net(line.line_id)
    allocated = sum(net.values(), ZERO)
    payers = sorted({book.invoices[n].payer_code for n in net})
    rules = book.rules[line.line_id]
    rule = next((r for r in (RULE_MANUAL, RULE_REFERENCE, RULE_AMOUNT) if r in rules), "")
    rest = line.amount - allocated
    return LineState(line.line_id, MATCHED if rest == 0 else CREDIT, ",".join(payers), rule, allocated, rest)


def _identify(line: Line, directory: Directory) -> str | set[str] | None:
    """The payer of a line: by IBAN, else by name, else by the manual payer column. A set: ambiguous."""
    iban = normal_iban(line.iban)
    if iban and iban in directory.ibans:
        payers = directory.ibans[iban]
        if len(payers) > 1 and line.text:
            # a guardian's account: the resident whose name the text gives (the most complete name found,
            # not a name every holder of the account shares)
            words = name_key(line.text)
            keys = {k for c in payers for k in directory.names_of(c) if k <= words and not payers <= directory.names[k]}
            keys = {k for k in keys if not any(k < other for other in keys)}
            named = {c for k in keys for c in directory.names[k] & payers}
            payers = named or payers
        return next(iter(payers)) if len(payers) == 1 else set(payers)
    for name in (line.name, line.payer_hint):
        if name and name.strip().upper() in directory.codes:
            return name.strip().upper()
        key = name_key(name)
        if key and key in directory.names:
            payers = directory.names[key]
            return next(iter(payers)) if len(payers) == 1 else set(payers)
    return None


def probable_payers(
    line: Line, directory: Directory, invoice_payers: dict[str, str], account_payers: dict[str, set[str]]
) -> set[str]:
    """Who a receipt not matched yet that names none of our invoices probably comes from, for the dunning,
    which chases none of them while it waits: the payer its account or name gives (every one of them when
    several share it), else those its account paid before (`account_payers`). A receipt naming invoices of
    ours (`invoice_payers`: number -> payer) holds those invoices only: none here."""
    if any(n in invoice_payers for n in references(f"{line.text} {line.end_to_end_id}")):
        return set()
    payers: set[str] = set()
    found = _identify(line, directory)
    if isinstance(found, str):
        payers.add(found)
    elif found:
        payers |= found
    else:
        payers |= account_payers.get(normal_iban(line.iban), set())
    return payers


def _by_reference(book: _Book, line: Line, directory: Directory) -> LineState | None:
    """Rule 1, or None when the text names no invoice of ours issued by the line's date."""
    refs = [n for n in _complete_references(line) if n in book.invoices and book.invoices[n].issue_date <= line.date]
    if not refs:
        return None
    payer = _identify(line, directory)
    ref_payers = {book.invoices[n].payer_code for n in refs}
    if len(ref_payers) > 1:
        # a guardian paying for two residents, or a slip: a person decides; meanwhile none of them is chased
        # (the payers named, in the state, for the dunning)
        return LineState(
            line.line_id, QUEUED, ",".join(sorted(ref_payers)), reason="références de factures de plusieurs payeurs"
        )
    ref_payer = ref_payers.pop()
    if isinstance(payer, str) and payer != ref_payer:
        return LineState(
            line.line_id, QUEUED, payer, reason=f"référence d'une facture de {ref_payer}, compte de {payer}"
        )
    if isinstance(payer, set) and ref_payer not in payer:
        return LineState(line.line_id, QUEUED, reason=f"référence d'une facture de {ref_payer}, compte partagé")
    remaining = line.amount
    for number in sorted(refs, key=lambda n: (book.invoices[n].issue_date, n)):
        share = min(remaining, max(book.open[number], ZERO))
        book.allocate(line, number, share, RULE_REFERENCE)
        remaining -= share
    # a surplus stays as the payer's credit (DOMAIN, rule 1), even when a text cut by the bank (140
    # characters) lost the numbers it paid: a person places it (lettrage_manuel.csv), and meanwhile the dunning
    # does not chase the payer for what it covers
    state = _state_of(book, line)
    state.payer_code, state.rule = ref_payer, RULE_REFERENCE
    if state.status == CREDIT:
        state.reason = "excédent laissé au crédit du payeur"
    return state


def _candidates(line: Line, directory: Directory, learned: dict[str, str]) -> tuple[str | set[str] | None, list[str]]:
    """The payer of a line for rule 2 (a set: several) and the payers whose invoices it may settle."""
    payer = _identify(line, directory)
    learnt = learned.get(normal_iban(line.iban))
    if isinstance(payer, set) and learnt in payer:
        payer = learnt  # a name shared by several payers, and an account that paid one of them
    payer = payer or learnt
    if payer is None:
        return None, []
    return payer, sorted(payer) if isinstance(payer, set) else [payer]


def _by_payer_amount(book: _Book, line: Line, payer: str | set[str] | None, candidates: list[str]) -> LineState:
    """Rule 2, else the queue with the reason. An account or a name shared by several payers (a guardian
    paying for two residents, two residents of the same name) is settled only when the amount fits the
    open invoices of exactly one of them."""
    if payer is None:
        return LineState(line.line_id, QUEUED, reason="payeur inconnu et aucune référence de facture")
    fits: dict[str, list[str] | None] = {}
    for code in candidates:
        numbers = [n for n in book.open_invoices(code) if book.invoices[n].issue_date <= line.date]
        same = [n for n in numbers if book.open[n] == line.amount]
        fits[code] = same[:1] or _unique_combination(numbers, book.open, line.amount)
    found = [code for code, chosen in fits.items() if chosen]
    unsure = [code for code, chosen in fits.items() if chosen is None]
    hint = payer if isinstance(payer, str) else ""
    if len(found) > 1 or unsure:
        reason = (
            f"compte ou nom commun à {len(candidates)} payeurs dont plusieurs ont des factures de ce montant"
            if len(found) > 1
            else "plusieurs combinaisons de factures de ce montant"
        )
        return LineState(line.line_id, QUEUED, hint, reason=reason)
    if not found:
        reason = "aucune facture ni combinaison de factures de ce montant"
        if len(candidates) > 1:
            reason = f"compte ou nom commun à {len(candidates)} payeurs, aucun n'a de facture de ce montant"
        return LineState(line.line_id, QUEUED, hint, reason=reason)
    for number in fits[found[0]]:
        book.allocate(line, number, book.open[number], RULE_AMOUNT)
    state = _state_of(book, line)
    state.rule = RULE_AMOUNT
    return state


def _unique_combination(numbers: list[str], open_amounts: dict[str, Decimal], target: Decimal) -> list[str] | None:
    """The invoices whose open amounts add up to `target`, when exactly one combination does (invoices of
    equal amount are interchangeable: the oldest are taken). [] when none does, None when several do or
    the search is too large to be sure."""
    groups: dict[Decimal, list[str]] = defaultdict(list)
    for n in numbers:  # numbers come oldest first
        groups[open_amounts[n]].append(n)
    goal = int(target * 100)
    items = sorted(((int(a * 100), ns) for a, ns in groups.items()), reverse=True)
    # partial sums -> (number of ways, capped at 2; one way as counts per group)
    ways: dict[int, tuple[int, tuple[int, ...]]] = {0: (1, ())}
    for cents, ns in items:
        grown: dict[int, tuple[int, tuple[int, ...]]] = {}
        for total, (count, how) in ways.items():
            for k in range(len(ns) + 1):
                s = total + k * cents
                if s > goal:
                    break
                if s in grown:
                    grown[s] = (min(2, grown[s][0] + count), grown[s][1])
                else:
                    grown[s] = (count, how + (k,))
        ways = grown
        if len(ways) > SUBSET_STATES:
            return None
    if goal not in ways:
        return []
    count, how = ways[goal]
    if count > 1:
        return None
    chosen = []
    for (_, ns), k in zip(items, how, strict=True):
        chosen.extend(ns[:k])
    return chosen


def _letters(book: _Book, past: Lettering) -> list[Letter]:
    active = dict(past.active)
    out: list[Letter] = []
    for number in sorted(book.reopened_by):
        if number in active and book.open[number] != 0:
            old = active.pop(number)
            out.append(Letter(old.payer_code, old.letter, number, book.reopened_by[number].date, "delettre"))
    # invoices settled by the same line share a letter; then invoices settled by their credit notes alone
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    dates: dict[tuple[str, str], dt.date] = {}
    for number, line in book.settled_by.items():
        if book.open[number] == 0 and number not in active:
            key = (book.invoices[number].payer_code, line.line_id)
            groups[key].append(number)
            dates[key] = line.date
    for invoice in book.invoices.values():
        number = invoice.number
        if invoice.settled_on and book.open[number] == 0 and number not in active and number not in book.settled_by:
            key = (invoice.payer_code, f"~{number}")
            groups[key].append(number)
            dates[key] = invoice.settled_on
    count = dict(past.used)
    for key in sorted(groups, key=lambda k: (dates[k], k)):
        payer = key[0]
        code = letter_code(count.get(payer, 0))
        count[payer] = count.get(payer, 0) + 1
        for number in sorted(groups[key]):
            out.append(Letter(payer, code, number, dates[key], "lettre"))
    return out


def _complete_references(line: Line) -> list[str]:
    """The invoice numbers of the text and end-to-end id, without a number cut by the bank: a text of
    140 characters or more (a SEPA remittance is cut at 140) ending with a short number that comes
    before the previous one ("… F2026-023706 F2026-02")."""
    text = (line.text or "").upper().rstrip()
    found = references(f"{line.text} {line.end_to_end_id}")
    if len(text) >= 140:
        matches = list(_REFERENCE.finditer(text))
        last = matches[-1] if matches else None
        if last and last.end() == len(text) and len(last.group(2)) < 6:
            before = references(text[: last.start()])
            cut = f"F{last.group(1)}-{int(last.group(2)):06d}"
            if before and cut < before[-1] and cut not in before and cut not in references(line.end_to_end_id):
                found = [n for n in found if n != cut]
    return found
