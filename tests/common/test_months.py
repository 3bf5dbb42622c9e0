import datetime as dt

from assets.common.months import add_months, days_in, month_bounds, month_end, month_key, month_start, previous_month


def test_month_bounds_and_lengths_follow_the_calendar():
    assert month_start("2024-02") == dt.date(2024, 2, 1)
    assert month_end("2024-02") == dt.date(2024, 2, 29)
    assert month_bounds("2025-02") == (dt.date(2025, 2, 1), dt.date(2025, 2, 28))
    assert days_in("2025-12") == 31
    assert days_in(dt.date(2024, 2, 1)) == 29


def test_months_move_across_years_as_text_and_as_first_days():
    assert add_months("2025-01", -1) == "2024-12"
    assert add_months("2025-11", 14) == "2027-01"
    assert add_months("2025-03", 0) == "2025-03"
    assert previous_month("2025-01") == "2024-12"
    assert add_months(dt.date(2024, 11, 17), 2) == dt.date(2025, 1, 1)
    assert add_months(dt.date(2024, 1, 1), -1) == dt.date(2023, 12, 1)
    assert month_key(dt.date(2024, 12, 31)) == "2024-12"
