"""Properties of valuation and issuing over random activity and random sequences of changes."""

import datetime as dt
import itertools
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assets.billing.valuation import store_valuation
from tests.billing.case import Case, D

pytestmark = pytest.mark.slow  # random activity and changes, each valued and issued on a warehouse


ZERO = Decimal("0.00")
codes = st.sampled_from("PPPPHHCCF")


@st.composite
def activity(draw):
    """Two residents in a foyer over February-March 2026, each day a random code or no row."""
    days = {}
    for rid in ("000001", "000002"):
        start = D(2026, 2, 1) + dt.timedelta(days=draw(st.integers(0, 20)))
        length = draw(st.integers(1, 45))
        days[rid] = {
            start + dt.timedelta(days=i): draw(codes)
            for i in range(length)
            if start + dt.timedelta(days=i) <= D(2026, 3, 31)
        }
    status = draw(st.sampled_from(["accordee", "en_instruction", "refusee", None]))
    exit_day = draw(st.one_of(st.none(), st.integers(1, 55)))
    contribution = draw(st.sampled_from([None, "0.00", "123.45", "900.01", "5000.00"]))
    mode = draw(st.sampled_from(["internat", "accueil_jour"]))
    return days, status, exit_day, contribution, mode


def build(path: Path, days, status, exit_day, contribution, mode) -> Case:
    case = (
        Case(path)
        .establishment("FH01", "FH")
        .payer("D66", "departement")
        .rate("FH01", "internat", D(2026, 1, 1), D(2026, 3, 10), "150.00")
        .rate("FH01", "internat", D(2026, 3, 11), None, "155.55")
        .rate("FH01", "semi_internat", D(2026, 1, 1), None, "98.50")
    )
    for rid, codes_by_day in days.items():
        exit_ = D(2026, 2, 1) + dt.timedelta(days=exit_day) if exit_day and rid == "000002" else None
        case.resident(rid).stay(rid, "FH01", D(2026, 1, 15), exit_, mode)
        if status and rid == "000001":
            case.decision(rid, "D66", "FH01", D(2026, 1, 1), None, status)
        elif status:
            case.decision(rid, "D66", "FH01", D(2026, 1, 1), None, "accordee")
        if contribution:
            case.contribution(rid, D(2026, 1, 1), None, contribution)
        case.activity("FH01", rid, codes_by_day)
    return case


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(activity())
def test_day_states_partition_the_activity_and_money_adds_up(sample):
    with tempfile.TemporaryDirectory() as tmp:
        case = build(Path(tmp), *sample)
        frame = case.value("2026-03")
        rows = frame.to_dicts()
        total_days = sum(len(v) for v in sample[0].values())
        assert len(rows) == total_days  # every activity day valued exactly once
        assert len({(r["resident_id"], r["day"]) for r in rows}) == total_days
        for r in rows:
            assert r["state"] in ("facture", "en_attente", "non_facture")
            assert (r["state"] == "non_facture") == (r["reason"] is not None)
            if r["state"] == "non_facture":
                assert r["amount"] == ZERO
            else:
                assert r["amount"] > ZERO and r["category"]
        due = case.due()
        billed = sum((r["amount"] for r in rows if r["state"] == "facture"), ZERO)
        day_lines = sum(
            (
                a
                for *_, c, _, _, a in due
                if c not in ("participation_usager", "participation_frais_hebergement", "forfait_journalier")
            ),
            ZERO,
        )
        assert day_lines == billed
        contributions = [a for *_, c, _, _, a in due if c.startswith("participation")]
        assert sum(contributions, ZERO) == ZERO  # the département's minus is the resident's plus
        for *_, price, qty, amount in due:
            assert amount == price * qty
        case.close()


changes = st.lists(
    st.sampled_from(["rate_up", "rate_down", "grant", "pend", "refuse", "leave", "stay", "rerun"]),
    min_size=1,
    max_size=6,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(activity(), changes)
def test_numbers_stay_continuous_and_net_issued_equals_due_after_any_changes(sample, steps):
    with tempfile.TemporaryDirectory() as tmp:
        case = build(Path(tmp), *sample)
        issue_day = itertools.count(1)
        months = ["2026-02", "2026-03"]
        month = months[0]
        case.issue(month, D(2026, 4, next(issue_day)))
        for i, step in enumerate(steps):
            if step == "rate_up":
                case.execute("UPDATE rates SET daily_rate = daily_rate + 1.11")
            elif step == "rate_down":
                case.execute("UPDATE rates SET daily_rate = daily_rate - 0.77")
            elif step in ("grant", "pend", "refuse"):
                status = {"grant": "accordee", "pend": "en_instruction", "refuse": "refusee"}[step]
                case.execute("UPDATE funding_decisions SET status = ?", [status])
            elif step == "leave":
                case.execute("UPDATE stays SET exit_date = DATE '2026-03-05'")
            elif step == "stay":
                case.execute("UPDATE stays SET exit_date = NULL")
            month = months[min(i, 1)]
            case.issue(month, D(2026, 4, next(issue_day)))
        with case.transaction() as con:
            for series, year in con.execute("SELECT DISTINCT series, year FROM documents").fetchall():
                seqs = [
                    s
                    for (s,) in con.execute(
                        "SELECT seq FROM documents WHERE series = ? AND year = ? ORDER BY seq", [series, year]
                    ).fetchall()
                ]
                assert seqs == list(range(1, len(seqs) + 1))
            mismatches = con.execute("""
                WITH due AS (SELECT month, payer_code, establishment_code, resident_id, sum(amount) AS a
                             FROM due_lines GROUP BY ALL),
                     issued AS (SELECT d.service_month AS month, d.payer_code, d.establishment_code,
                                       l.resident_id, sum(l.amount) AS a
                                FROM documents d JOIN document_lines l USING (number) GROUP BY ALL)
                SELECT * FROM due FULL JOIN issued USING (month, payer_code, establishment_code, resident_id)
                WHERE coalesce(due.a, 0) <> coalesce(issued.a, 0)""").fetchall()
            assert mismatches == []
            assert (
                con.execute("SELECT count(*) FROM documents WHERE type = 'facture' AND amount <= 0").fetchone()[0] == 0
            )
            assert con.execute("SELECT count(*) FROM documents WHERE type = 'avoir' AND amount >= 0").fetchone()[0] == 0
        # and one more run of the last month with nothing changed issues nothing
        assert case.issue(month, D(2026, 4, next(issue_day))).documents == 0
        # what was valued pair by pair, as inputs changed, is what a full valuation gives
        kept = snapshot(case)
        with case.transaction() as con:
            store_valuation(con, case.settings, month, force=True)
        assert snapshot(case) == kept
        case.close()


def snapshot(case):
    with case.transaction() as con:
        return (
            con.execute("SELECT * FROM valued_days ORDER BY ALL").fetchall(),
            con.execute("SELECT * FROM due_lines ORDER BY ALL").fetchall(),
        )
