"""Credits applied by the matching engine (rule `credit`, docs/rules.md "Receivables and dunning"): a payer's
credit settles its open invoices oldest first at the month's end; an invoice credited beyond what was paid on it
gives the excess back to the line that paid it; refunds, manual decisions, pending direct debits and the
payer types turned off are respected; a second run changes nothing."""

import datetime as dt
from decimal import Decimal

from assets.payments.matching import match
from assets.payments.matching_records import CREDIT, MATCHED, Allocation, Credits, Decision, Invoice, Line
from assets.payments.payer_directory import Directory

D = Decimal
END = dt.date(2026, 4, 30)


def inv(number, payer, amount, day):
    return Invoice(number, payer, day, D(amount))


def directory():
    d = Directory()
    d.add("U000123", "FR7610000000000000000000123", "DUPONT Marie")
    return d


def rows(result):
    return [(a.line_id, a.number, a.amount, a.rule, a.date) for a in result.allocations]


INVOICES = [
    inv("F2026-000001", "U000123", "300.00", dt.date(2026, 2, 5)),
    inv("F2026-000002", "U000123", "300.00", dt.date(2026, 3, 5)),
    inv("F2026-000003", "U000123", "300.00", dt.date(2026, 4, 5)),
]
# a cheque of 400,00 € naming the March invoice: 300,00 to it, 100,00 of credit
CHEQUE = Line("L1", dt.date(2026, 4, 10), D("400.00"), "CHQ F2026-000002")


def test_a_surplus_settles_the_oldest_open_invoices_on_the_months_end():
    result = match(INVOICES, [CHEQUE], [], [], directory(), [], credits=Credits(on=END))
    assert rows(result) == [
        ("L1", "F2026-000002", D("300.00"), "reference", dt.date(2026, 4, 10)),
        ("L1", "F2026-000001", D("100.00"), "credit", END),
    ]
    state = result.states["L1"]
    assert (state.status, state.payer_code, state.allocated, state.unallocated) == (MATCHED, "U000123", D("400.00"), 0)
    # without the policy (or for a payer type turned off) the surplus stays as credit
    off = match(INVOICES, [CHEQUE], [], [], directory(), [], credits=Credits(on=END, applies=lambda code: False))
    assert [r[3] for r in rows(off)] == ["reference"] and off.states["L1"].unallocated == D("100.00")
    assert off.states["L1"].status == CREDIT


def test_a_large_credit_settles_several_invoices_and_letters_them_on_the_months_end():
    big = Line("L1", dt.date(2026, 4, 10), D("800.00"), "CHQ F2026-000002")
    result = match(INVOICES, [big], [], [], directory(), [], credits=Credits(on=END))
    assert rows(result)[1:] == [
        ("L1", "F2026-000001", D("300.00"), "credit", END),
        ("L1", "F2026-000003", D("200.00"), "credit", END),
    ]
    assert [(x.number, x.letter, x.date, x.event) for x in result.letters] == [
        ("F2026-000002", "AA", dt.date(2026, 4, 10), "lettre"),  # settled by the cheque itself
        ("F2026-000001", "AB", END, "lettre"),  # by its credit, at the month's end
    ]
    # run again with its own allocations: nothing more
    past = [Allocation(a.line_id, a.number, a.amount, a.rule, a.date) for a in result.allocations]
    opened = [inv(i.number, i.payer_code, str(i.open_amount - sum(a.amount for a in past if a.number == i.number)),
                  i.issue_date) for i in INVOICES]  # fmt: skip
    again = match(opened, [big], past, [], directory(), result.letters, credits=Credits(on=END))
    assert again.allocations == [] and again.letters == []


def test_no_credit_on_an_invoice_a_direct_debit_will_take_nor_on_one_issued_after_the_months_end():
    later = [*INVOICES, inv("F2026-000004", "U000123", "300.00", dt.date(2026, 5, 5))]
    result = match(
        later, [CHEQUE], [], [], directory(), [], credits=Credits(on=END, excluded=frozenset({"F2026-000001"}))
    )
    assert rows(result)[1:] == [("L1", "F2026-000003", D("100.00"), "credit", END)]


def test_what_refunds_took_is_not_applied_and_a_manual_decision_is_left_alone():
    refunded = match(INVOICES, [CHEQUE], [], [], directory(), [], credits=Credits(on=END, refunded={"L1": D("60.00")}))
    assert rows(refunded)[1:] == [("L1", "F2026-000001", D("40.00"), "credit", END)]
    assert refunded.states["L1"].unallocated == 0
    decided = [Decision("L1", "F2026-000002", D("300.00"), 2)]
    manual = match(INVOICES, [CHEQUE], [], decided, directory(), [], credits=Credits(on=END))
    assert [r[3] for r in rows(manual)] == ["manuel"] and manual.states["L1"].unallocated == D("100.00")


def test_an_invoice_credited_beyond_what_was_paid_gives_the_excess_back_to_its_line_then_to_the_next_invoice():
    # F1 300,00 paid in March by L0; a credit note of 120,00 on it since: open -120,00
    paid = Line("L0", dt.date(2026, 3, 20), D("300.00"), "F2026-000001")
    past = [Allocation("L0", "F2026-000001", D("300.00"), "reference", dt.date(2026, 3, 20))]
    invoices = [
        inv("F2026-000001", "U000123", "-120.00", dt.date(2026, 2, 5)),
        inv("F2026-000002", "U000123", "300.00", dt.date(2026, 3, 5)),
    ]
    result = match(invoices, [paid], past, [], directory(), [], credits=Credits(on=END))
    assert rows(result) == [
        ("L0", "F2026-000001", D("-120.00"), "credit", END),
        ("L0", "F2026-000002", D("120.00"), "credit", END),
    ]
    state = result.states["L0"]
    assert (state.status, state.allocated, state.unallocated) == (MATCHED, D("300.00"), 0)
    # no open invoice: the excess stays the payer's credit on the line that paid
    alone = match(invoices[:1], [paid], past, [], directory(), [], credits=Credits(on=END))
    assert rows(alone) == [("L0", "F2026-000001", D("-120.00"), "credit", END)]
    assert (alone.states["L0"].status, alone.states["L0"].payer_code, alone.states["L0"].unallocated) == (
        CREDIT,
        "U000123",
        D("120.00"),
    )


def test_the_refunds_the_cell_asked_keep_their_part_of_the_oldest_credits():
    kept = match(INVOICES, [CHEQUE], [], [], directory(), [], credits=Credits(on=END, reserved={"U000123": D("70.00")}))
    assert rows(kept)[1:] == [("L1", "F2026-000001", D("30.00"), "credit", END)]
    assert (kept.states["L1"].status, kept.states["L1"].unallocated) == (CREDIT, D("70.00"))  # for the refund
