"""The dunning engine (docs/rules.md "Receivables and dunning"): which reminders to send, which calls to make,
what to hold, and what goes to the director as "contentieux" — a pure function of the open invoices, the
policy of the settings (`relances`), the phone log, the reminders already sent, the payers with a
receipt waiting in the unmatched queue and the payers' credits not allocated yet.

- Levels per payer type, each reached when the invoice is that many days past due, and only after the level
  before it was sent, at least the interval between the two levels earlier (a 50-day-late invoice never
  reminded gets the first reminder, the second 15 days later, …).
- Public payers (départements, health insurance, others) get a statement of all their open invoices and a
  phone call, never a formal notice (the settings refuse one).
- Nobody is reminded for an invoice under dispute, under a promise not yet due, or whose payer has a receipt
  waiting in the unmatched queue (or received since the month's end, which the next close matches: the
  invoices it names, else its payer's); an "already paid" answer holds the invoice when such a receipt is
  waiting, and is otherwise listed for a check. Where an invoice stands is said by the latest call about it
  or its payer that says something of the debt (a promise, a dispute, "already paid"; in the log's order
  within a day): a call nobody answered, or an `autre`, changes nothing. A dispute of the invoice itself
  holds it until a later call about that invoice says otherwise: a call to its payer about something else
  does not end it.
- A dispute ends with a later call saying `litige_clos` about what it was raised on, or with the payment.
  On the invoice, it ends the invoice's dispute, and for that invoice only a dispute of its payer standing
  for it (as any later call about the invoice ends it). On the payer, it ends the payer's dispute, for all
  its invoices, but not a dispute raised on one of them, which needs its own `litige_clos` (as a call to the
  payer ends no dispute of an invoice). The invoice is then chased again from the level it had reached;
  the latest call decides as before (a later promise holds it, a later `litige` holds it again). A
  `litige_clos` with no dispute standing just before it, on what it is about, says nothing, like an `autre`.
- Nobody is reminded for an invoice a SEPA direct debit is to collect: the dunning waits for the collection
  (`prelevement`); a collection returned, once presented again, holds it again; after the returns that suspend
  the mandate it is chased by letter as any other.
- Nobody is reminded either for what the surplus of their receipts already covers: a transfer that settles
  the invoices its text names and leaves a credit (a département paying a hundred invoices whose remittance
  the bank cut at 140 characters) holds the payer's late invoices, oldest first, as long as what is left
  of the credit covers each whole (`credit_non_affecte`), until a person places it.
- A broken promise (its date passed, the invoice still open, no call since) puts the payer on the call list.
- Past the last level and `contentieux_jours` after the due date, the invoice goes to the director, once.
Reminders are append-only: `issued` holds every level already sent, so re-running sends none twice.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from assets.common.settings import Dunning, DunningLevel

ZERO = Decimal("0.00")
PUBLIC = ("departement", "assurance_maladie", "autre")
CONTENTIEUX = "contentieux"


@dataclass(frozen=True)
class OpenInvoice:
    number: str
    payer_code: str
    payer_type: str
    issue_date: dt.date
    due_date: dt.date
    open_amount: Decimal


@dataclass(frozen=True)
class Call:
    day: dt.date
    target: str  # an invoice number or a payer code
    result: str  # promesse, litige, litige_clos, injoignable, deja_paye, autre
    promise_date: dt.date | None = None
    promised_amount: Decimal | None = None


@dataclass(frozen=True)
class Issued:
    number: str
    level: str  # relance1, relance2, mise_en_demeure, contentieux
    day: dt.date


@dataclass(frozen=True)
class Reminder:
    payer_code: str
    level: str
    day: dt.date
    channels: tuple[str, ...]
    numbers: tuple[str, ...]  # the invoices reaching this level now
    amount: Decimal  # their open amount
    statement: tuple[str, ...] = ()  # a public payer's letter lists all its open invoices


@dataclass(frozen=True)
class CallTask:
    payer_code: str
    numbers: tuple[str, ...]
    amount: Decimal
    oldest_due: dt.date
    reason: str


@dataclass(frozen=True)
class Hold:
    number: str
    payer_code: str
    reason: str  # prelevement, litige, promesse, encaissement_en_attente, deja_paye, credit_non_affecte


@dataclass(frozen=True)
class Plan:
    day: dt.date
    reminders: list[Reminder] = field(default_factory=list)
    calls: list[CallTask] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    contentieux: list[OpenInvoice] = field(default_factory=list)

    def issued(self) -> list[Issued]:
        """What this plan sends, to append to the history."""
        out = [Issued(n, r.level, r.day) for r in self.reminders for n in r.numbers]
        return out + [Issued(i.number, CONTENTIEUX, self.day) for i in self.contentieux]


STANDING = ("promesse", "litige", "deja_paye")  # what a call says of the debt; injoignable and autre say nothing
CLOSED = "litige_clos"  # says the dispute is over: where a dispute stands before it, else nothing

Ranked = tuple[int, Call]  # a call and its rank in the log


def _calls_by_target(calls: list[Call], on: dt.date) -> dict[str, list[Ranked]]:
    """The calls made by `on` that may say where a debt stands, per target (an invoice number or a payer
    code), with their rank in the log, in their order (`_latest`)."""
    index: dict[str, list[Ranked]] = defaultdict(list)
    for rank, call in enumerate(calls):
        if call.day <= on and (call.result in STANDING or call.result == CLOSED):
            index[call.target].append((rank, call))
    for items in index.values():
        items.sort(key=_latest)
    return index


def _latest(rc: Ranked) -> tuple[dt.date, int]:
    """The order of calls: by day, then as logged (the log is written as the calls are made)."""
    return rc[1].day, rc[0]


def _decide(about: Ranked | None, to: Ranked | None) -> Ranked | None:
    """The call that says where the invoice stands, of `about` (the latest that says something about the
    invoice) and `to` (about its payer): a dispute of the invoice itself, or else the later of the two."""
    if about and about[1].result == "litige":
        return about
    if about and to:
        return max(about, to, key=_latest)
    return about or to


@dataclass(frozen=True)
class _Said:
    """The calls of one target that say where its debt stands, in order, and their `_latest` keys."""

    calls: list[Ranked]
    keys: list[tuple[dt.date, int]]

    def last(self) -> Ranked | None:
        return self.calls[-1] if self.calls else None

    def before(self, key: tuple[dt.date, int]) -> Ranked | None:
        """The latest of these calls made before the one of `key`."""
        k = bisect_left(self.keys, key)
        return self.calls[k - 1] if k else None


NOTHING_SAID = _Said([], [])


def _said(own: list[Ranked], payer: _Said = NOTHING_SAID) -> _Said:
    """Of one target's calls (`own`, in order), those that say where the debt stands: a `litige_clos` only
    when a dispute stood just before it — the target's own, or, for an invoice, its payer's standing for it
    (`payer`: what its payer's calls say); the others as they are."""
    kept: list[Ranked] = []
    for rc in own:
        if rc[1].result == CLOSED:
            before = _decide(kept[-1] if kept else None, payer.before(_latest(rc)))
            if before is None or before[1].result != "litige":
                continue  # no dispute to end: like an `autre`
        kept.append(rc)
    return _Said(kept, [_latest(rc) for rc in kept])


def _waiting_for(inv: OpenInvoice, last: Call | None, on: dt.date, collecting: set[str] | frozenset[str]) -> str:
    """Why the invoice waits whatever else is known of its payer: a direct debit to come, a dispute, a promise
    not due yet; '' when it does not."""
    if inv.number in collecting:
        return "prelevement"
    if last and last.result == "litige":
        return "litige"
    if last and last.result == "promesse" and last.promise_date and last.promise_date >= on:
        return "promesse"
    return ""


def plan_dunning(
    invoices: list[OpenInvoice],
    policy: Dunning,
    calls: list[Call],
    issued: list[Issued],
    queued_payers: set[str],
    on: dt.date,
    credits: dict[str, Decimal] | None = None,
    paid: set[str] | None = None,
    collecting: set[str] | frozenset[str] | None = None,
) -> Plan:
    """The plan of the day `on` (see the module docstring). `policy` is the settings' `relances`; `credits`
    what the receipts of each payer left unallocated; `paid` the invoices a receipt not matched yet names;
    `collecting` the invoices a SEPA direct debit will collect (its date not covered by the statements yet)."""
    paid = paid or set()
    collecting = collecting or set()
    credit = dict(credits or {})
    done: dict[str, set[str]] = defaultdict(set)
    sent_on: dict[tuple[str, str], dt.date] = {}
    for x in issued:
        done[x.number].add(x.level)
        sent_on[(x.number, x.level)] = x.day
    plan = Plan(on)
    by_target = _calls_by_target(calls, on)
    said: dict[str, _Said] = {}  # payer code -> what its own calls say
    levels_of: dict[str, list[DunningLevel]] = {}  # payer type -> its levels, by delay
    nothing: set[str] = set()
    reaching: dict[tuple[str, str], list[OpenInvoice]] = defaultdict(list)
    channels: dict[str, tuple[str, ...]] = {}
    open_by_payer: dict[str, list[OpenInvoice]] = defaultdict(list)
    broken: dict[str, list[OpenInvoice]] = defaultdict(list)
    to_check: dict[str, list[OpenInvoice]] = defaultdict(list)
    for inv in sorted(invoices, key=lambda i: (i.payer_code, i.due_date, i.number)):
        if inv.open_amount <= 0:
            continue
        open_by_payer[inv.payer_code].append(inv)
        late = (on - inv.due_date).days
        if late <= 0:
            continue
        to = said.get(inv.payer_code)
        if to is None:
            to = said[inv.payer_code] = _said(by_target.get(inv.payer_code, []))
        about = _said(by_target[inv.number], to).last() if inv.number in by_target else None
        standing = _decide(about, to.last())
        last = standing[1] if standing else None
        waiting = _waiting_for(inv, last, on, collecting)
        if waiting:
            plan.holds.append(Hold(inv.number, inv.payer_code, waiting))
            continue
        if inv.payer_code in queued_payers or inv.number in paid:
            reason = "deja_paye" if last and last.result == "deja_paye" else "encaissement_en_attente"
            plan.holds.append(Hold(inv.number, inv.payer_code, reason))
            continue
        if credit.get(inv.payer_code, ZERO) >= inv.open_amount:
            credit[inv.payer_code] -= inv.open_amount
            plan.holds.append(Hold(inv.number, inv.payer_code, "credit_non_affecte"))
            continue
        credit[inv.payer_code] = ZERO  # placed oldest first: a later invoice is not covered either
        if last and last.result == "promesse" and last.promise_date and last.promise_date < on:
            broken[inv.payer_code].append(inv)
        if last and last.result == "deja_paye":
            to_check[inv.payer_code].append(inv)
        levels = levels_of.get(inv.payer_type)
        if levels is None:
            levels = levels_of[inv.payer_type] = sorted(
                getattr(policy, inv.payer_type).niveaux, key=lambda lv: lv.delai_jours
            )
        sent = done.get(inv.number, nothing)
        rank = next((k for k, lv in enumerate(levels) if lv.code not in sent), None)
        following = levels[rank] if rank is not None else None
        if following is not None:
            # the level before it was sent, and at least the interval between the two levels ago
            before = levels[rank - 1] if rank else None
            spaced = before is None or (on - sent_on[(inv.number, before.code)]).days >= (
                following.delai_jours - before.delai_jours
            )
            if late >= following.delai_jours and spaced:
                reaching[(inv.payer_code, following.code)].append(inv)
                channels[following.code + inv.payer_type] = tuple(following.canaux)
        else:
            limit = getattr(policy, inv.payer_type).contentieux_jours
            last_level = levels[-1] if levels else None
            spaced = last_level is None or (on - sent_on[(inv.number, last_level.code)]).days >= (
                limit - last_level.delai_jours
            )
            if late > limit and spaced and CONTENTIEUX not in sent:
                plan.contentieux.append(inv)
    for (payer, level), items in sorted(reaching.items()):
        payer_type = items[0].payer_type
        chan = channels[level + payer_type]
        statement = tuple(i.number for i in open_by_payer[payer]) if payer_type in PUBLIC else ()
        amount = sum((i.open_amount for i in items), ZERO)
        plan.reminders.append(Reminder(payer, level, on, chan, tuple(i.number for i in items), amount, statement))
        if "telephone" in chan:
            plan.calls.append(
                CallTask(
                    payer, tuple(i.number for i in items), amount, min(i.due_date for i in items), f"{level} : appel"
                )
            )
    for payer, items in sorted(broken.items()):
        amount = sum((i.open_amount for i in items), ZERO)
        plan.calls.append(
            CallTask(
                payer, tuple(i.number for i in items), amount, min(i.due_date for i in items), "promesse non tenue"
            )
        )
    for payer, items in sorted(to_check.items()):
        amount = sum((i.open_amount for i in items), ZERO)
        plan.calls.append(
            CallTask(
                payer,
                tuple(i.number for i in items),
                amount,
                min(i.due_date for i in items),
                "déjà payé selon l'appel, aucun encaissement en attente : à vérifier",
            )
        )
    plan.calls.sort(key=lambda c: (-c.amount, c.oldest_due, c.payer_code))
    return plan
