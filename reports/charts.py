"""Plotly charts written in French: Plotly's own ticks and hover texts are English ("300k", "−0.5", "95%"),
so the ticks are computed here (round values, labelled with Babel's French rules: "1,2 M€", "300 k€",
"95 %") and the hover texts are preformatted; a chart with nothing to show is a sentence instead of an
empty −1…1 axis (the template writes it).

Money stays a Decimal up to here: it is converted to float only for Plotly to place it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import plotly.graph_objects as go

ZERO = Decimal(0)
STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
NBSP = "\u00a0"  # between a number and its unit, as Babel writes "12,50 €" and "95 %"
# (from the largest tick, the unit, its symbol): up to 9 999 € in euros, "2 500 €" reads better than "2,5 k€"
MONEY_UNITS = (
    (Decimal(1_000_000), Decimal(1_000_000), "M€"),
    (Decimal(10_000), Decimal(1_000), "k€"),
    (ZERO, Decimal(1), "€"),
)


def _fr(value: Decimal) -> str:
    """A number as French writes it: thousands by a narrow no-break space, decimal comma, no trailing zero."""
    from babel.numbers import format_decimal

    return format_decimal(value, format="#,##0.###", locale="fr_FR")


def nice_ticks(values: Iterable[Decimal], count: int = 5, zero: bool = True) -> list[Decimal]:
    """Round tick values (a step of 1, 2, 2.5 or 5 × 10ⁿ) covering `values` in about `count` intervals, from
    zero when `zero` (bars, amounts); at least two ticks."""
    points = list(values)
    lo, hi = min(points), max(points)
    if zero:
        lo, hi = min(lo, ZERO), max(hi, ZERO)
    raw = (hi - lo) / count or abs(hi) / count or Decimal(1)
    power = Decimal(10) ** raw.adjusted()
    step = next(power * s for s in STEPS if power * s >= raw)
    first = (lo / step).to_integral_value(ROUND_FLOOR) * step
    last = (hi / step).to_integral_value(ROUND_CEILING) * step
    if first == last:  # one value, a multiple of the step
        first, last = first - step, last + step
    return [first + k * step for k in range(int((last - first) / step) + 1)]


def money_unit(ticks: Sequence[Decimal]) -> tuple[Decimal, str]:
    """The unit of a money axis from its largest tick: M€ from a million, k€ from ten thousand, else €."""
    top = max(abs(t) for t in ticks)
    return next((size, symbol) for start, size, symbol in MONEY_UNITS if top >= start)


def money_ticks(ticks: Sequence[Decimal]) -> list[str]:
    """['0 €', '500 k€', '1 M€', '1,5 M€'] for 0, 500 000, 1 000 000, 1 500 000."""
    size, symbol = money_unit(ticks)
    return [f"0{NBSP}€" if t == 0 else f"{_fr(t / size)}{NBSP}{symbol}" for t in ticks]


def percent_ticks(ticks: Sequence[Decimal]) -> list[str]:
    """['60 %', '70 %'] for 0.6, 0.7."""
    return [f"{_fr(t * 100)}{NBSP}%" for t in ticks]


def number_ticks(ticks: Sequence[Decimal]) -> list[str]:
    return [_fr(t) for t in ticks]


def axis(
    values: Iterable[Decimal | None],
    labels: Callable[[Sequence[Decimal]], list[str]],
    zero: bool = True,
    pad: float = 0,
) -> dict:
    """A Plotly axis whose ticks are ours: round values, French labels, the range from the first to the last
    tick, widened by `pad` (a share of it) where markers would be cut at the edge, not below a zero."""
    ticks = nice_ticks([v for v in values if v is not None], zero=zero)
    lo, hi = float(ticks[0]), float(ticks[-1])
    margin = (hi - lo) * pad
    return {
        "tickvals": [float(t) for t in ticks],
        "ticktext": labels(ticks),
        "range": [lo if ticks[0] == 0 else lo - margin, hi + margin],
    }


def hover(texts: Iterable[str | None]) -> dict[str, Any]:
    """A trace's French hover: its name, the x label and the value as we wrote it (`texts`, one per point). The
    name is the trace's, not written into the template, where `%{…}` would be read as a placeholder."""
    return {
        "customdata": [t or "" for t in texts],
        "hovertemplate": "<b>%{fullData.name}</b><br>%{x} : %{customdata}<extra></extra>",
    }


def has_data(values: Iterable[Decimal | None]) -> bool:
    """Whether a chart has something to draw: a value that is neither missing nor zero."""
    return any(v for v in values if v is not None)


def chart_html(fig: go.Figure, yaxis: dict) -> str:
    """The chart's <div> and its script (Plotly's library is in the page once). The title is the page's <h3>;
    the legend sits above the plot, clear of the tick labels; numbers are French where Plotly writes any."""
    fig.update_layout(
        yaxis=yaxis,
        xaxis={"automargin": True, "type": "category"},
        separators=",\u202f",  # decimal comma, narrow no-break space between thousands
        font={"family": "Liberation Sans, Arial"},
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        height=340,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        hoverlabel={"namelength": -1},
    )
    fig.update_yaxes(automargin=True)
    return fig.to_html(full_html=False, include_plotlyjs=False, config={"displayModeBar": False})
