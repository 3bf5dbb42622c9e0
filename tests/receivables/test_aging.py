"""Aged balance buckets and DSO by the countback method, on hand-computed cases."""

import datetime as dt
from decimal import Decimal

from assets.receivables.aging import OpenItem, aged_balance, bucket, dso_countback, total_row

D = Decimal
ON = dt.date(2026, 3, 31)


def test_buckets_by_days_past_due_at_month_end():
    cases = {
        dt.date(2026, 3, 31): "non_echu",
        dt.date(2026, 4, 30): "non_echu",
        dt.date(2026, 3, 30): "j1_30",
        dt.date(2026, 3, 1): "j1_30",
        dt.date(2026, 2, 28): "j31_60",
        dt.date(2026, 1, 30): "j31_60",
        dt.date(2026, 1, 29): "j61_90",
        dt.date(2025, 12, 31): "j61_90",
        dt.date(2025, 12, 30): "plus_90",
    }
    assert {due: bucket(due, ON) for due in cases} == cases


def test_aged_balance_per_payer_with_credits_and_the_total():
    items = [
        OpenItem("D66", "F2026-000001", dt.date(2026, 4, 4), D("1000.00")),
        OpenItem("D66", "F2025-000900", dt.date(2025, 12, 1), D("250.50")),
        OpenItem("D66", "F2026-000002", dt.date(2026, 3, 10), D("0.00")),  # settled: not listed
        OpenItem("U000001", "F2026-000003", dt.date(2026, 2, 15), D("310.00")),
        OpenItem("U000001", "CAMT-9", dt.date(2026, 3, 20), D("-10.00")),  # a credit of the resident
        OpenItem("U000002", "F2026-000004", dt.date(2026, 1, 20), D("45.00")),
    ]
    rows = aged_balance(items, ON)
    assert [(r.payer_code, [str(r.buckets[b]) for b in r.buckets], r.total) for r in rows] == [
        ("D66", ["1000.00", "0.00", "0.00", "0.00", "250.50"], D("1250.50")),
        ("U000001", ["-10.00", "0.00", "310.00", "0.00", "0.00"], D("300.00")),
        ("U000002", ["0.00", "0.00", "0.00", "45.00", "0.00"], D("45.00")),
    ]
    total = total_row(rows)
    assert [str(v) for v in total.buckets.values()] == ["990.00", "0.00", "310.00", "45.00", "250.50"]
    assert total.total == D("1595.50")


def test_dso_countback():
    billed = [("2026-03", D("1000.00")), ("2026-02", D("800.00")), ("2026-01", D("1200.00"))]
    assert dso_countback(D("500.00"), billed) == D("15.5")  # half of March: 500/1000 x 31
    assert dso_countback(D("1000.00"), billed) == D("31.0")
    assert dso_countback(D("1400.00"), billed) == D("45.0")  # March, then 400/800 x 28
    assert dso_countback(D("2600.00"), billed) == D("79.7")  # 31 + 28 + 800/1200 x 31
    assert dso_countback(D("5000.00"), billed) == D("90.0")  # beyond what was billed: every month counted
    assert dso_countback(D("0.00"), billed) == D("0.0")
    assert dso_countback(D("10.00"), []) is None
