"""Day counts, shares and amounts as the reports print them (French separators, no English format)."""

from decimal import Decimal

from babel.numbers import format_currency

from reports.render import days_fr, euro, percent_fr

NNBSP, NBSP = "\u202f", "\u00a0"


def test_day_counts_are_whole_or_to_the_hundredth_with_french_separators():
    assert days_fr(10950) == f"10{NNBSP}950"
    assert days_fr(Decimal("730")) == "730"
    assert days_fr(Decimal("1313.30")) == f"1{NNBSP}313,30"
    assert days_fr(Decimal("-16.97")) == "-16,97"
    assert days_fr(None) == "–"


def test_shares_are_percentages_to_the_tenth_signed_on_demand():
    assert percent_fr(Decimal("0.9545")) == f"95,5{NBSP}%"
    assert percent_fr(Decimal("-0.0875"), True) == f"-8,8{NBSP}%"
    assert percent_fr(Decimal("0.0641"), True) == f"+6,4{NBSP}%"
    assert percent_fr(Decimal("0"), True) == f"0,0{NBSP}%"
    assert percent_fr(None) == "–"


def test_amounts_in_euros_the_same_from_the_cache_as_from_babel():
    assert euro(Decimal("1234.5")) == f"1{NNBSP}234,50{NBSP}€"
    assert euro(Decimal("1.0")) == euro(Decimal("1.00")) == euro("1") == euro(1) == f"1,00{NBSP}€"
    for text in ("-0.00", "0", "-16.97", "1313.3", "150000000.10", "-1234.5"):
        for _ in range(2):  # computed, then from the cache
            assert euro(Decimal(text)) == format_currency(Decimal(text), "EUR", locale="fr_FR")
