"""Matching receipts to invoices (lettrage), docs/rules.md "Receipts and matching", as one pure function.

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
4. otherwise the line waits in the unmatched queue, with the reason;
5. `credit` (with `Credits`): an invoice its credit notes took below 0 gives back to the lines that paid it
   what it was paid too much (latest line first), which becomes their payer's credit; then each line left
   with a credit (oldest first), its payer known and no manual decision on it, settles that payer's open
   invoices oldest first, on the month's end, but for what the refunds the cell asked keep of it (oldest
   credits first). What refunds took of a line is no longer its credit.

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

import dataclasses
from collections import defaultdict
from decimal import Decimal

from assets.payments.combinations import unique_combination
from assets.payments.letter_codes import give_letters
from assets.payments.matching_records import (
    CREDIT,
    DEBIT,
    MATCHED,
    NOT_OURS,
    OTHER_CURRENCY,
    QUEUED,
    RETURN,
    RETURNED,
    RULE_AMOUNT,
    RULE_CREDIT,
    RULE_MANUAL,
    RULE_REFERENCE,
    RULE_RETURN,
    ZERO,
    Allocation,
    Credits,
    Decision,
    Invoice,
    Letter,
    Lettering,
    Line,
    LineState,
    MatchResult,
    Rejected,
    Settled,
)
from assets.payments.payer_directory import Directory, identify, normal_iban
from assets.payments.references import complete_references


class _Book:
    """Open amounts and allocations while matching runs."""

    def __init__(self, invoices: list[Invoice], past: list[Allocation], refunded: dict[str, Decimal] | None = None):
        self.refunded = refunded or {}
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
        """Allocates `amount` of `line` to invoice `number`, dated on the line's date (give a line `replace`d
        with another date to date it otherwise: a credit applied at the month's end)."""
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
    credits: Credits | None = None,
) -> MatchResult:
    """Allocations to append, the state of every line, and letter events (see the module docstring).
    `lines` are the bank lines up to the cut-off (all of them, or all but those `settled` speaks for);
    `past` every allocation recorded of these lines; `letters` every letter event recorded, or what they tell
    of these invoices (a `Lettering`). Running it again with its own result added to `past` and `letters`
    changes nothing: references are tried once, then payer + amount is repeated until nothing moves."""
    settled = settled or Settled()
    book = _Book(invoices, past, credits.refunded if credits else None)
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
        elif book.net(line.line_id) or RULE_CREDIT in book.rules.get(line.line_id, ()):
            states[line.line_id] = _state_of(book, line)  # a line whose credit was freed and not placed yet too
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
    if credits is not None:
        _apply_credits(book, ordered, states, credits)
    lettering = letters if isinstance(letters, Lettering) else Lettering.from_events(letters)
    return MatchResult(
        book.new, states, give_letters(book.invoices, book.open, book.settled_by, book.reopened_by, lettering), rejected
    )


def _apply_decisions(
    book: _Book, lines: dict[str, Line], decisions: list[Decision], states: dict[str, LineState]
) -> list[Rejected]:
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


def _apply_returns(
    book: _Book, lines: list[Line], states: dict[str, LineState], directory: Directory, taken_before: frozenset[str]
) -> None:
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
    found = identify(line, directory)
    return found if isinstance(found, str) else None


def _state_of(book: _Book, line: Line) -> LineState:
    net = book.net(line.line_id)
    allocated = sum(net.values(), ZERO)
    # a line whose credit was freed from the invoice it paid keeps that invoice's payer
    touched = net or {n: a for n, a in book.by_line.get(line.line_id, {}).items() if n in book.invoices}
    payers = sorted({book.invoices[n].payer_code for n in touched})
    rules = book.rules[line.line_id]
    rule = next((r for r in (RULE_MANUAL, RULE_REFERENCE, RULE_AMOUNT, RULE_CREDIT) if r in rules), "")
    rest = line.amount - allocated - book.refunded.get(line.line_id, ZERO)
    return LineState(line.line_id, MATCHED if rest == 0 else CREDIT, ",".join(payers), rule, allocated, rest)


def _by_reference(book: _Book, line: Line, directory: Directory) -> LineState | None:
    """Rule 1, or None when the text names no invoice of ours issued by the line's date."""
    refs = [
        n
        for n in complete_references(line.text, line.end_to_end_id)
        if n in book.invoices and book.invoices[n].issue_date <= line.date
    ]
    if not refs:
        return None
    payer = identify(line, directory)
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
    # a surplus stays as the payer's credit (docs/rules.md, "Receipts and matching", rule 1), even when a text
    # cut by the bank (140 characters) lost the numbers it paid: a person places it (lettrage_manuel.csv), and
    # meanwhile the dunning does not chase the payer for what it covers
    state = _state_of(book, line)
    state.payer_code, state.rule = ref_payer, RULE_REFERENCE
    if state.status == CREDIT:
        state.reason = "excédent laissé au crédit du payeur"
    return state


def _candidates(line: Line, directory: Directory, learned: dict[str, str]) -> tuple[str | set[str] | None, list[str]]:
    """The payer of a line for rule 2 (a set: several) and the payers whose invoices it may settle."""
    payer = identify(line, directory)
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
        fits[code] = same[:1] or unique_combination(numbers, book.open, line.amount)
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
    for number in fits[found[0]] or []:
        book.allocate(line, number, book.open[number], RULE_AMOUNT)
    state = _state_of(book, line)
    state.rule = RULE_AMOUNT
    return state


_NONE = LineState("", "")


def _apply_credits(book: _Book, lines: list[Line], states: dict[str, LineState], credits: Credits) -> None:
    """Rule 5 (see the module docstring). `lines` in date order."""
    by_id = {line.line_id: line for line in lines}
    on = credits.on
    # an invoice credited beyond what it was paid: the lines that paid it take the excess back, latest first
    for number in sorted(n for n, amount in book.open.items() if amount < 0):
        excess = -book.open[number]
        payers = sorted(
            (
                lid
                for lid, alloc in book.by_line.items()
                if alloc.get(number, ZERO) > 0 and lid in by_id and states.get(lid, _NONE).status in (MATCHED, CREDIT)
            ),
            key=lambda lid: (by_id[lid].date, lid),
            reverse=True,
        )
        for line_id in payers:
            if excess <= 0:
                break
            if RULE_MANUAL in book.rules[line_id]:
                continue  # a person placed it: a person moves it
            take = min(excess, book.by_line[line_id][number])
            book.allocate(dataclasses.replace(by_id[line_id], date=on), number, -take, RULE_CREDIT)
            excess -= take
            states[line_id] = _state_of(book, by_id[line_id])
    keep = dict(credits.reserved)  # the refunds asked take the oldest credits first
    for line in lines:
        state = states.get(line.line_id)
        if state is None or state.status != CREDIT or state.unallocated <= 0 or line.date > on:
            continue
        payer = state.payer_code
        if not payer or "," in payer or RULE_MANUAL in book.rules[line.line_id] or not credits.applies(payer):
            continue
        kept = min(state.unallocated, keep.get(payer, ZERO))
        if kept:
            keep[payer] -= kept
        rest = state.unallocated - kept
        for number in book.open_invoices(payer):
            if rest <= 0:
                break
            if number in credits.excluded or book.invoices[number].issue_date > on:
                continue
            take = min(rest, book.open[number])
            book.allocate(dataclasses.replace(line, date=on), number, take, RULE_CREDIT)
            rest -= take
            if book.open[number] == 0:  # its own letter, dated on the day the credit settled it
                book.settled_by[number] = dataclasses.replace(line, line_id=f"{line.line_id}~credit", date=on)
        if rest != state.unallocated - kept:
            new = _state_of(book, line)
            new.payer_code, new.rule = payer, state.rule or new.rule
            new.reason = state.reason if new.status == CREDIT else ""
            states[line.line_id] = new
