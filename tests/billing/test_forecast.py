"""Activity against the budget (docs/rules.md "Monthly reports"), hand-computed."""

from decimal import Decimal

from assets.billing.forecast import Activity, period

D = Decimal


def make(year_days: int, forecast: int | None = 3650, **kw) -> Activity:
    values = dict(code="FH01", name="Foyer", places=10, dotation=False, month_days=280, year_days=year_days,
                  held_days=0, forecast=forecast, target=D("95"), rate=D("100.00"), covered=90, in_year=365,
                  in_month=31)  # fmt: skip
    return Activity(**(values | kw))


def test_the_period_runs_from_january_or_from_the_first_month_in_recettes():
    assert period("2025-03", "2024-11") == ("2025-01", 90, 365)  # 31 + 28 + 31 days of 2025
    assert period("2024-12", "2024-11") == ("2024-11", 61, 366)  # Recettes began in November of a leap year
    assert period("2025-03", None) == ("2025-01", 90, 365)
    assert period("2025-03", "2025-06") == ("2025-03", 31, 365)  # a month before the first one: itself


def test_a_home_under_its_forecast():
    """3 650 days a year, 90 days of 365 gone: 900 expected, 850 realised."""
    a = make(850)
    assert a.forecast_to_date == D("900.00")
    assert a.forecast_month == D("310.00")  # 3 650 × 31 ÷ 365
    assert (a.gap_days, a.gap_month) == (D("-50.00"), D("-30.00"))
    assert a.gap_share == D("-0.0556")  # −50 ÷ 900
    assert a.gap_euros == D("-5000.00")
    assert a.projection == D("3447")  # 850 × 365 ÷ 90 = 3 447,2
    assert a.occupancy == D("0.9444")  # 850 ÷ (10 × 90)
    assert a.under(D("3")) and a.under(D("5.5")) and not a.under(D("5.6"))  # 5,56 % under


def test_the_threshold_is_strict_and_a_forecast_met_is_not_flagged():
    assert not make(873).under(D("3"))  # 900 × 0,97 = 873: exactly at the threshold
    assert make(872).under(D("3"))
    assert not make(950).under(D("0")) and make(950).gap_euros == D("5000.00")


def test_prorating_rounds_half_up_to_the_hundredth_of_a_day():
    a = make(177, forecast=1200, covered=59, in_month=28)  # January and February 2025
    assert a.forecast_to_date == D("193.97")  # 1 200 × 59 ÷ 365 = 193,972…
    assert a.forecast_month == D("92.05")  # 1 200 × 28 ÷ 365 = 92,054…
    assert a.gap_days == D("-16.97") and a.gap_euros == D("-1697.00")
    assert a.projection == D("1095")  # 177 × 365 ÷ 59 = 1 095


def test_without_forecast_rate_or_places_nothing_is_made_up():
    a = make(850, forecast=None)
    assert (a.forecast_to_date, a.gap_days, a.gap_share, a.gap_euros) == (None, None, None, None)
    assert not a.under(D("3"))
    esat = make(850, dotation=True, rate=None)
    assert esat.gap_days == D("-50.00") and esat.gap_euros is None and esat.occupancy is None
    assert make(850, places=0).occupancy is None
