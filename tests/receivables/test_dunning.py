"""Each dunning rule of docs/rules.md in a table of cases, and its invariants."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assets.common.settings_file import parse_settings
from assets.receivables.dunning import Call, Issued, OpenInvoice, Reminder, plan_dunning
from tests.conftest import SETTINGS

D = Decimal
ON = dt.date(2026, 6, 5)
POLICY = parse_settings(SETTINGS).relances


def invoice(number="F2026-000001", payer="U000001", payer_type="usager", late=20, amount="310.00"):
    due = ON - dt.timedelta(days=late)
    return OpenInvoice(number, payer, payer_type, due - dt.timedelta(days=30), due, D(amount))


def levels(plan):
    return [(r.payer_code, r.level, r.numbers, r.channels) for r in plan.reminders]


@pytest.mark.parametrize(
    ("late", "sent", "expected"),
    [
        (14, [], []),  # not yet 15 days past due
        (15, [], [("relance1", ("courrier",))]),
        (29, ["relance1"], []),
        (30, ["relance1"], [("relance2", ("courrier", "telephone"))]),
        (50, [], [("relance1", ("courrier",))]),  # a level only after the one before it
        (45, ["relance1", "relance2"], [("mise_en_demeure", ("recommande",))]),
        (45, ["relance1"], [("relance2", ("courrier", "telephone"))]),
        (55, ["relance1", "relance2", "mise_en_demeure"], []),  # last level sent, not yet contentieux
    ],
)
def test_levels_of_a_private_payer(late, sent, expected):
    history = [Issued("F2026-000001", level, ON - dt.timedelta(days=15)) for level in sent]
    plan = plan_dunning([invoice(late=late)], POLICY, [], history, set(), ON)
    assert [(r.level, r.channels) for r in plan.reminders] == expected
    assert plan.contentieux == []


def test_the_next_level_waits_the_interval_between_levels_after_the_one_before():
    history = [Issued("F2026-000001", "relance1", ON - dt.timedelta(days=14))]
    assert plan_dunning([invoice(late=50)], POLICY, [], history, set(), ON).reminders == []
    history = [Issued("F2026-000001", "relance1", ON - dt.timedelta(days=15))]
    assert [r.level for r in plan_dunning([invoice(late=50)], POLICY, [], history, set(), ON).reminders] == ["relance2"]


def test_contentieux_past_the_last_level_once():
    history = [
        Issued("F2026-000001", lv, ON - dt.timedelta(days=14)) for lv in ("relance1", "relance2", "mise_en_demeure")
    ]
    assert plan_dunning([invoice(late=61)], POLICY, [], history, set(), ON).contentieux == []  # too soon after
    history = [
        Issued("F2026-000001", lv, ON - dt.timedelta(days=15)) for lv in ("relance1", "relance2", "mise_en_demeure")
    ]
    plan = plan_dunning([invoice(late=61)], POLICY, [], history, set(), ON)
    assert [i.number for i in plan.contentieux] == ["F2026-000001"] and plan.reminders == []
    again = plan_dunning([invoice(late=62)], POLICY, [], history + plan.issued(), set(), ON)
    assert again.contentieux == []


def test_a_public_payer_gets_a_statement_of_all_its_open_invoices_and_a_call_never_a_formal_notice():
    invoices = [
        invoice("F2026-000001", "D66", "departement", late=31, amount="5000.00"),
        invoice("F2026-000002", "D66", "departement", late=5, amount="4000.00"),
    ]
    history = [Issued("F2026-000001", "relance1", ON - dt.timedelta(days=15))]
    plan = plan_dunning(invoices, POLICY, [], history, set(), ON)
    assert levels(plan) == [("D66", "relance2", ("F2026-000001",), ("releve", "telephone"))]
    assert plan.reminders[0].statement == ("F2026-000001", "F2026-000002")
    assert [(c.payer_code, c.amount, c.reason) for c in plan.calls] == [("D66", D("5000.00"), "relance2 : appel")]
    history += [Issued("F2026-000001", "relance2", ON)]
    later = plan_dunning(invoices, POLICY, [], history, set(), ON + dt.timedelta(days=40))
    assert later.reminders[0].level == "relance1"  # only the second invoice, at its first level
    assert [i.number for i in later.contentieux] == ["F2026-000001"]


@pytest.mark.parametrize(
    ("call", "queued", "hold"),
    [
        (Call(ON - dt.timedelta(days=3), "F2026-000001", "litige"), set(), "litige"),
        (Call(ON - dt.timedelta(days=3), "U000001", "litige"), set(), "litige"),  # on the payer
        (
            Call(ON - dt.timedelta(days=3), "U000001", "promesse", ON + dt.timedelta(days=5), D("310")),
            set(),
            "promesse",
        ),
        (Call(ON - dt.timedelta(days=3), "U000001", "promesse", ON, D("310")), set(), "promesse"),
        (None, {"U000001"}, "encaissement_en_attente"),
        (Call(ON - dt.timedelta(days=3), "U000001", "deja_paye"), {"U000001"}, "deja_paye"),
    ],
)
def test_nobody_is_chased_for_a_dispute_a_promise_or_a_receipt_waiting(call, queued, hold):
    plan = plan_dunning([invoice(late=20)], POLICY, [call] if call else [], [], queued, ON)
    assert plan.reminders == [] and [(h.number, h.reason) for h in plan.holds] == [("F2026-000001", hold)]


def test_what_a_payers_credit_covers_is_held_oldest_first_and_each_invoice_whole():
    d66 = [
        invoice("F2026-000001", "D66", "departement", late=40, amount="300.00"),
        invoice("F2026-000002", "D66", "departement", late=35, amount="250.00"),
        invoice("F2026-000003", "D66", "departement", late=30, amount="100.00"),
        invoice("F2026-000004", "D66", "departement", late=-5, amount="900.00"),  # not due: not chased anyway
    ]
    resident = [invoice("F2026-000010", "U000001", late=20, amount="310.00")]
    # 600.00 covers the first two (550.00); the 50.00 left does not cover the third, which is chased
    plan = plan_dunning(d66 + resident, POLICY, [], [], set(), ON, {"D66": D("600.00"), "U000001": D("309.99")})
    assert [(h.number, h.reason) for h in plan.holds] == [
        ("F2026-000001", "credit_non_affecte"),
        ("F2026-000002", "credit_non_affecte"),
    ]
    assert levels(plan) == [
        ("D66", "relance1", ("F2026-000003",), ("releve",)),
        ("U000001", "relance1", ("F2026-000010",), ("courrier",)),  # 0.01 short: not covered
    ]
    # oldest first: once an invoice is not covered, a later smaller one is not either
    plan = plan_dunning(d66, POLICY, [], [], set(), ON, {"D66": D("299.99")})
    assert plan.holds == [] and [r.numbers for r in plan.reminders] == [
        ("F2026-000001", "F2026-000002", "F2026-000003")
    ]
    # a dispute does not use the credit: the next invoice does
    dispute = Call(ON - dt.timedelta(days=1), "F2026-000001", "litige")
    plan = plan_dunning(d66, POLICY, [dispute], [], set(), ON, {"D66": D("250.00")})
    assert [(h.number, h.reason) for h in plan.holds] == [
        ("F2026-000001", "litige"),
        ("F2026-000002", "credit_non_affecte"),
    ]


def test_a_broken_promise_and_an_unverified_already_paid_go_to_the_call_list():
    broken = Call(ON - dt.timedelta(days=20), "U000001", "promesse", ON - dt.timedelta(days=1), D("310"))
    plan = plan_dunning([invoice(late=20)], POLICY, [broken], [], set(), ON)
    assert [r.level for r in plan.reminders] == ["relance1"]
    assert [(c.payer_code, c.reason) for c in plan.calls] == [("U000001", "promesse non tenue")]
    paid = Call(ON - dt.timedelta(days=2), "F2026-000002", "deja_paye")
    plan = plan_dunning([invoice("F2026-000002", "U000002", late=16)], POLICY, [paid], [], set(), ON)
    assert [c.reason for c in plan.calls] == ["déjà payé selon l'appel, aucun encaissement en attente : à vérifier"]
    # a call after the dispute's date does not count if it is in the future
    future = Call(ON + dt.timedelta(days=1), "U000001", "litige")
    assert [r.level for r in plan_dunning([invoice(late=20)], POLICY, [future], [], set(), ON).reminders] == [
        "relance1"
    ]


def held(calls, invoices=None):
    plan = plan_dunning(invoices or [invoice(late=20)], POLICY, calls, [], set(), ON)
    return [(h.number, h.reason) for h in plan.holds], [r.level for r in plan.reminders]


def test_the_latest_call_that_says_where_the_debt_stands_decides_and_on_one_day_the_last_logged():
    day = ON - dt.timedelta(days=3)
    promise = Call(day, "F2026-000001", "promesse", ON + dt.timedelta(days=9), D("310"))
    dispute = Call(day, "U000001", "litige")
    other_payer = Call(day, "U000002", "promesse", ON + dt.timedelta(days=9), D("10"))
    assert held([promise, dispute, other_payer]) == ([("F2026-000001", "litige")], [])
    assert held([dispute, promise, other_payer]) == ([("F2026-000001", "promesse")], [])
    assert held([Call(day - dt.timedelta(days=1), "U000001", "litige"), promise]) == (
        [("F2026-000001", "promesse")],
        [],
    )
    # a later promise, or "already paid", about the invoice ends its dispute
    disputed = Call(day - dt.timedelta(days=5), "F2026-000001", "litige")
    assert held([disputed, promise]) == ([("F2026-000001", "promesse")], [])
    assert held([disputed, Call(day, "F2026-000001", "deja_paye")], [invoice(late=20)])[1] == ["relance1"]


@pytest.mark.parametrize("result", ["injoignable", "autre", "promesse", "deja_paye", "litige_clos"])
def test_a_dispute_of_the_invoice_is_not_ended_by_a_later_call_to_its_payer(result):
    disputed = Call(ON - dt.timedelta(days=60), "F2026-000001", "litige")
    later = Call(ON - dt.timedelta(days=2), "U000001", result, ON + dt.timedelta(days=5), D("10"))
    history = [Issued("F2026-000001", "relance1", ON - dt.timedelta(days=40))]
    history.append(Issued("F2026-000001", "relance2", ON - dt.timedelta(days=20)))
    for calls in ([disputed, later], [later, disputed]):
        plan = plan_dunning([invoice(late=50)], POLICY, calls, history, set(), ON)
        assert [(h.number, h.reason) for h in plan.holds] == [("F2026-000001", "litige")]
        assert plan.reminders == [] and plan.contentieux == []
    # the payer's other invoice follows the payer's call
    second = invoice("F2026-000002", late=20)
    plan = plan_dunning([invoice(late=50), second], POLICY, [disputed, later], history, set(), ON)
    expected = {"injoignable": [], "autre": [], "promesse": ["promesse"], "deja_paye": [], "litige_clos": []}[result]
    assert [h.reason for h in plan.holds if h.number == "F2026-000002"] == expected


@pytest.mark.parametrize("result", ["injoignable", "autre"])
def test_a_call_nobody_answered_changes_nothing(result):
    nothing = Call(ON - dt.timedelta(days=1), "F2026-000001", result)
    dispute = Call(ON - dt.timedelta(days=10), "U000001", "litige")
    assert held([dispute, nothing]) == ([("F2026-000001", "litige")], [])
    promise = Call(ON - dt.timedelta(days=10), "U000001", "promesse", ON + dt.timedelta(days=5), D("310"))
    assert held([promise, nothing]) == ([("F2026-000001", "promesse")], [])
    broken = Call(ON - dt.timedelta(days=10), "U000001", "promesse", ON - dt.timedelta(days=1), D("310"))
    plan = plan_dunning([invoice(late=20)], POLICY, [broken, nothing], [], set(), ON)
    assert [(c.payer_code, c.reason) for c in plan.calls] == [("U000001", "promesse non tenue")]
    assert held([nothing]) == ([], ["relance1"])


def test_a_dispute_closed_in_the_log_is_chased_again_at_the_next_dunning_date():
    """Disputed in April, held at May's dunning; `litige_clos` in May: June's dunning sends the first
    reminder (the invoice, 62 days late, had none), the second follows at its interval."""
    disputed = OpenInvoice("F2026-000001", "U000001", "usager", dt.date(2026, 3, 5), dt.date(2026, 4, 4), D("310.00"))
    calls = [
        Call(dt.date(2026, 4, 20), "F2026-000001", "litige"),
        Call(dt.date(2026, 5, 12), "F2026-000001", "litige_clos"),
    ]
    may = plan_dunning([disputed], POLICY, calls, [], set(), dt.date(2026, 5, 5))
    assert [(h.number, h.payer_code, h.reason) for h in may.holds] == [("F2026-000001", "U000001", "litige")]
    assert may.reminders == [] and may.issued() == []
    june = plan_dunning([disputed], POLICY, calls, may.issued(), set(), dt.date(2026, 6, 5))
    assert june.reminders == [
        Reminder("U000001", "relance1", dt.date(2026, 6, 5), ("courrier",), ("F2026-000001",), D("310.00"))
    ]
    assert (june.holds, june.calls, june.contentieux) == ([], [], [])
    later = plan_dunning([disputed], POLICY, calls, june.issued(), set(), dt.date(2026, 6, 20))
    assert levels(later) == [("U000001", "relance2", ("F2026-000001",), ("courrier", "telephone"))]


def test_a_closed_dispute_is_chased_from_the_level_it_had_reached():
    """Reminded once before the dispute: the second reminder after it, not the first again nor the formal
    notice its 62 days late would reach."""
    history = [Issued("F2026-000001", "relance1", ON - dt.timedelta(days=46))]
    calls = [
        Call(ON - dt.timedelta(days=40), "F2026-000001", "litige"),
        Call(ON - dt.timedelta(days=10), "F2026-000001", "litige_clos"),
    ]
    plan = plan_dunning([invoice(late=62)], POLICY, calls, history, set(), ON)
    assert plan.reminders == [
        Reminder("U000001", "relance2", ON, ("courrier", "telephone"), ("F2026-000001",), D("310.00"))
    ]
    assert plan.holds == [] and [(c.payer_code, c.reason) for c in plan.calls] == [("U000001", "relance2 : appel")]
    assert plan_dunning([invoice(late=62)], POLICY, calls[:1], history, set(), ON).reminders == []


TWO = [invoice("F2026-000001", late=20), invoice("F2026-000002", late=20, amount="150.00")]
TWO_NUMBERS = ("F2026-000001", "F2026-000002")
DAY = ON - dt.timedelta(days=10)


@pytest.mark.parametrize(
    ("calls", "expected"),
    [
        # a dispute of the invoice; closed on the payer's other invoice, or on the payer, which had none
        (
            [Call(DAY, "F2026-000001", "litige"), Call(DAY, "F2026-000002", "litige_clos")],
            ([("F2026-000001", "litige")], [("relance1", ("F2026-000002",))]),
        ),
        (
            [Call(DAY, "F2026-000001", "litige"), Call(DAY, "U000001", "litige_clos")],
            ([("F2026-000001", "litige")], [("relance1", ("F2026-000002",))]),
        ),
        # a dispute of the payer: closed on one invoice, that invoice only; closed on the payer, all of them
        (
            [Call(DAY, "U000001", "litige"), Call(DAY, "F2026-000002", "litige_clos")],
            ([("F2026-000001", "litige")], [("relance1", ("F2026-000002",))]),
        ),
        ([Call(DAY, "U000001", "litige"), Call(DAY, "U000001", "litige_clos")], ([], [("relance1", TWO_NUMBERS)])),
        # both: the payer's closed, the invoice's stands until its own litige_clos
        (
            [Call(DAY, "U000001", "litige"), Call(DAY, "F2026-000001", "litige"), Call(DAY, "U000001", "litige_clos")],
            ([("F2026-000001", "litige")], [("relance1", ("F2026-000002",))]),
        ),
        (
            [
                Call(DAY, "U000001", "litige"),
                Call(DAY, "F2026-000001", "litige"),
                Call(DAY, "U000001", "litige_clos"),
                Call(DAY, "F2026-000001", "litige_clos"),
            ],
            ([], [("relance1", TWO_NUMBERS)]),
        ),
        # the invoice's own closed, its payer's dispute raised since holds it
        (
            [
                Call(DAY, "F2026-000001", "litige"),
                Call(DAY, "U000001", "litige"),
                Call(DAY + dt.timedelta(days=1), "F2026-000001", "litige_clos"),
            ],
            ([("F2026-000002", "litige")], [("relance1", ("F2026-000001",))]),
        ),
    ],
)
def test_litige_clos_ends_the_dispute_it_is_about_only(calls, expected):
    plan = plan_dunning(TWO, POLICY, calls, [], set(), ON)
    assert ([(h.number, h.reason) for h in plan.holds], [(r.level, r.numbers) for r in plan.reminders]) == expected
    assert all(r.amount == sum((i.open_amount for i in TWO if i.number in r.numbers), D(0)) for r in plan.reminders)


@pytest.mark.parametrize("target", ["F2026-000001", "U000001"])
def test_a_dispute_closed_then_raised_again_holds_and_on_one_day_the_log_order_decides(target):
    dispute, closed = Call(DAY, target, "litige"), Call(DAY + dt.timedelta(days=2), target, "litige_clos")
    again = Call(DAY + dt.timedelta(days=5), target, "litige")
    assert held([dispute, closed, again]) == ([("F2026-000001", "litige")], [])
    assert held([again, closed, dispute]) == ([("F2026-000001", "litige")], [])  # by day, not by line
    assert held([dispute, closed]) == ([], ["relance1"])
    assert held([dispute, closed, again, Call(DAY + dt.timedelta(days=6), target, "litige_clos")]) == ([], ["relance1"])
    # the same day: as logged
    same = [Call(DAY, target, result) for result in ("litige", "litige_clos", "litige")]
    assert held(same) == ([("F2026-000001", "litige")], [])
    assert held(same[:2]) == ([], ["relance1"])
    assert held([same[1], same[0]]) == ([("F2026-000001", "litige")], [])  # closed before it was raised
    # a litige_clos after the dunning day is not known yet
    assert held([dispute, Call(ON + dt.timedelta(days=1), target, "litige_clos")]) == ([("F2026-000001", "litige")], [])


@pytest.mark.parametrize(
    ("calls", "queued"),
    [
        ([], set()),
        ([Call(DAY, "U000001", "promesse", ON + dt.timedelta(days=5), D("310"))], set()),  # held by it
        ([Call(DAY, "F2026-000001", "promesse", ON + dt.timedelta(days=5), D("310"))], set()),
        ([Call(DAY, "U000001", "promesse", ON - dt.timedelta(days=1), D("310"))], set()),  # broken: a call
        ([Call(DAY, "U000001", "deja_paye")], set()),  # to check
        ([Call(DAY, "U000001", "deja_paye")], {"U000001"}),
        ([Call(DAY, "F2026-000001", "injoignable"), Call(DAY, "F2026-000001", "autre")], set()),
        ([Call(DAY + dt.timedelta(days=1), "U000001", "litige")], set()),  # raised after: the close was before
    ],
)
@pytest.mark.parametrize("target", ["F2026-000001", "U000001"])
def test_litige_clos_with_no_dispute_before_changes_nothing(calls, queued, target):
    closed = Call(DAY, target, "litige_clos")
    without = plan_dunning([invoice(late=20)], POLICY, calls, [], queued, ON)
    for logged in ([closed, *calls], [*calls, closed]):
        assert plan_dunning([invoice(late=20)], POLICY, logged, [], queued, ON) == without


CALL_DAYS = st.integers(-30, 2).map(lambda k: ON + dt.timedelta(days=k))
TARGETS = st.sampled_from(["F2026-000001", "F2026-000002", "U000001"])
UNDISPUTED = st.builds(
    Call,
    CALL_DAYS,
    TARGETS,
    st.sampled_from(["promesse", "injoignable", "deja_paye", "autre"]),
    CALL_DAYS.map(lambda d: d + dt.timedelta(days=20)),
    st.just(D("100")),
)


@settings(max_examples=100, deadline=None)
@given(
    calls=st.lists(UNDISPUTED, max_size=6),
    closes=st.lists(st.tuples(st.integers(0, 6), CALL_DAYS, TARGETS), max_size=3),
    queued=st.sets(st.just("U000001")),
)
def test_in_a_log_without_dispute_litige_clos_changes_nothing(calls, closes, queued):
    logged = list(calls)
    for at, day, target in closes:
        logged.insert(at, Call(day, target, "litige_clos"))
    assert plan_dunning(TWO, POLICY, logged, [], queued, ON) == plan_dunning(TWO, POLICY, calls, [], queued, ON)


def test_calls_are_ordered_by_amount_then_age():
    invoices = [
        invoice("F2026-000001", "U000001", late=31, amount="100.00"),
        invoice("F2026-000002", "U000002", late=35, amount="900.00"),
        invoice("F2026-000003", "U000003", late=40, amount="100.00"),
    ]
    history = [Issued(i.number, "relance1", ON - dt.timedelta(days=15)) for i in invoices]
    plan = plan_dunning(invoices, POLICY, [], history, set(), ON)
    assert [c.payer_code for c in plan.calls] == ["U000002", "U000003", "U000001"]


@st.composite
def cases(draw):
    invoices = [
        invoice(
            f"F2026-{i:06d}",
            draw(st.sampled_from(["U000001", "U000002", "D66"])),
            "usager",
            draw(st.integers(-10, 120)),
            draw(st.sampled_from(["0.00", "-5.00", "10.00", "310.00"])),
        )
        for i in range(1, draw(st.integers(1, 6)) + 1)
    ]
    invoices = [
        i
        if i.payer_code != "D66"
        else OpenInvoice(i.number, "D66", "departement", i.issue_date, i.due_date, i.open_amount)
        for i in invoices
    ]
    return invoices, draw(st.integers(1, 4))


@settings(max_examples=100, deadline=None)
@given(cases())
def test_no_reminder_ever_targets_a_settled_invoice_and_rerunning_sends_nothing_twice(case):
    invoices, runs = case
    history: list[Issued] = []
    sent: list[tuple[str, str]] = []
    for run in range(runs):
        day = ON + dt.timedelta(days=15 * run)
        plan = plan_dunning(invoices, POLICY, [], history, set(), day)
        for r in plan.reminders:
            for n in r.numbers:
                assert next(i for i in invoices if i.number == n).open_amount > 0
                assert r.level != "mise_en_demeure" or not r.payer_code.startswith("D")
        again = plan_dunning(invoices, POLICY, [], history + plan.issued(), set(), day)
        assert again.reminders == [] and again.contentieux == []
        history += plan.issued()
        sent += [(x.number, x.level) for x in plan.issued()]
    assert len(sent) == len(set(sent))
