"""The director's charts in French: round ticks computed from the data, labelled as a French reader writes
them (narrow no-break space between thousands, decimal comma, no-break space before the unit)."""

from decimal import Decimal as D

import pytest

from reports.charts import axis, has_data, hover, money_ticks, nice_ticks, number_ticks, percent_ticks

NB = "\u00a0"  # no-break space before a unit
TH = "\u202f"  # narrow no-break space between thousands


def test_ticks_are_round_steps_from_zero():
    assert nice_ticks([D("383257.10"), D("20515.50")]) == [D(0), D(100_000), D(200_000), D(300_000), D(400_000)]
    assert nice_ticks([D("1226320.15")]) == [D(k) * 250_000 for k in range(6)]
    assert nice_ticks([D("850")]) == [D(0), D(200), D(400), D(600), D(800), D(1000)]
    assert nice_ticks([D("-1500"), D("12000")]) == [D(-5000), D(0), D(5000), D(10_000), D(15_000)]


def test_ticks_without_zero_and_of_a_single_value():
    assert nice_ticks([D("0.6957"), D("0.9556")], zero=False) == [D("0.6"), D("0.7"), D("0.8"), D("0.9"), D("1.0")]
    assert nice_ticks([D("0.95")], zero=False) == [D("0.8"), D("1.0")]
    assert nice_ticks([D("1")], zero=False) == [D("0.8"), D("1.0"), D("1.2")]
    assert nice_ticks([D("41.2"), D("30.7")]) == [D(0), D(10), D(20), D(30), D(40), D(50)]


def test_money_ticks_in_millions_thousands_or_euros():
    assert money_ticks([D(k) * 250_000 for k in range(6)]) == [
        f"0{NB}€", f"0,25{NB}M€", f"0,5{NB}M€", f"0,75{NB}M€", f"1{NB}M€", f"1,25{NB}M€"
    ]  # fmt: skip
    assert money_ticks([D(0), D(1_200_000)]) == [f"0{NB}€", f"1,2{NB}M€"]
    assert money_ticks([D(0), D(100_000), D(300_000)]) == [f"0{NB}€", f"100{NB}k€", f"300{NB}k€"]
    assert money_ticks([D(-5000), D(0), D(2500), D(15_000)]) == [f"-5{NB}k€", f"0{NB}€", f"2,5{NB}k€", f"15{NB}k€"]
    # below ten thousand euros, in euros: "2 500 €" rather than "2,5 k€"
    assert money_ticks([D(0), D(850), D(2500), D(5000)]) == [f"0{NB}€", f"850{NB}€", f"2{TH}500{NB}€", f"5{TH}000{NB}€"]


def test_percent_and_number_ticks():
    assert percent_ticks([D("0.6"), D("0.95"), D("1.0")]) == [f"60{NB}%", f"95{NB}%", f"100{NB}%"]
    assert number_ticks([D(0), D("12.5"), D(1260)]) == ["0", "12,5", f"1{TH}260"]


def test_an_axis_carries_its_ticks_and_range():
    assert axis([D("383257.10"), None], money_ticks) == {
        "tickvals": [0.0, 100000.0, 200000.0, 300000.0, 400000.0],
        "ticktext": [f"0{NB}€", f"100{NB}k€", f"200{NB}k€", f"300{NB}k€", f"400{NB}k€"],
        "range": [0.0, 400000.0],
    }
    # lines: widened so that a marker on the first or last tick is not cut, never below a zero axis
    assert axis([D("0.6957"), D("0.9556")], percent_ticks, zero=False, pad=0.05)["range"] == pytest.approx([0.58, 1.02])
    assert axis([D("41.2")], number_ticks, pad=0.1)["range"] == [0.0, 55.0]


def test_hover_texts_are_ours_and_a_chart_without_values_is_empty():
    assert hover(["41,2 j", None]) == {
        "customdata": ["41,2 j", ""],
        "hovertemplate": "<b>%{fullData.name}</b><br>%{x} : %{customdata}<extra></extra>",
    }
    assert not has_data([None, D(0), D("0.00")])
    assert has_data([None, D("-0.01")])
