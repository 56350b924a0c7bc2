"""An analyte's values over time, drawn on the server as SVG (no script, no third-party library), and the
sparkline of the lab results page.

Values are charted in the analyte's own unit (`Observation.unified_value`); a value whose unit does not
convert is left out of the chart (the page lists it, and says why). Dates are placed by time, not evenly:
three values in one month and one a year later look like that. Coordinates are written here as text with a
dot, so that no locale's decimal comma reaches the SVG.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from labs import analytes
from labs.analytes import to_unit

if TYPE_CHECKING:
    from labs.analytes import Analyte
    from labs.models import Observation

# Small enough that its text stays readable once scaled to a phone's width.
WIDTH = 400
HEIGHT = 240
LEFT = 40
# Room for the last point, its marker and its flag letter.
RIGHT = 28
TOP = 20
BOTTOM = 32
MARKER = 6
SPARK_WIDTH = 96
SPARK_HEIGHT = 24
SPARK_MARGIN = 3
MAX_X_TICKS = 4
Y_TICKS = 4
# The strides between month ticks, the smallest that keeps at most MAX_X_TICKS.
MONTH_STRIDES = (1, 2, 3, 6, 12, 24, 60, 120)


def _text(number: float) -> str:
    return f"{number:.1f}"


@dataclass(frozen=True)
class ChartPoint:
    observation: Observation
    value: Decimal
    x: str
    y: str
    # "H", "L" or "": an out-of-range value is a triangle (up for high, down for low), with a label.
    flag: str
    # The triangle's outline (SVG path) for an out-of-range value; a value in range is a circle at x, y.
    marker: str
    label_x: str
    label_y: str


@dataclass(frozen=True)
class Tick:
    position: str
    value: Decimal | datetime.date


@dataclass
class TrendChart:
    points: list[ChartPoint]
    # Values listed but not charted: their unit does not convert to the analyte's.
    not_charted: list[Observation]
    # The reference range in the analyte's unit (from the latest value that gives one), each bound or None.
    reference_low: Decimal | None = None
    reference_high: Decimal | None = None
    band: dict[str, str] | None = None
    line: str = ""
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    # The x ticks' date format: month starts ("N Y") or days ("j N Y").
    x_format: str = "N Y"
    width: int = WIDTH
    height: int = HEIGHT
    left: str = _text(LEFT)
    right: str = _text(WIDTH - RIGHT)
    top: str = _text(TOP)
    bottom: str = _text(HEIGHT - BOTTOM)
    plot_width: str = _text(WIDTH - LEFT - RIGHT)
    # Where the y axis' labels end, and where the x axis' labels sit.
    y_label_x: str = _text(LEFT - 6)
    x_label_y: str = _text(HEIGHT - BOTTOM + 20)
    x_tick_end: str = _text(HEIGHT - BOTTOM + 5)

    @property
    def has_reference(self) -> bool:
        return self.reference_low is not None or self.reference_high is not None

    @property
    def first_day(self) -> datetime.date | None:
        return self.points[0].observation.sampled_on if self.points else None

    @property
    def last_day(self) -> datetime.date | None:
        return self.points[-1].observation.sampled_on if self.points else None

    @property
    def out_of_range(self) -> int:
        return sum(1 for point in self.points if point.flag)


def reference_range(analyte: Analyte, observations: list[Observation]) -> tuple[Decimal | None, Decimal | None]:
    """The reference range in the analyte's unit: the latest one a value gives in that unit, or else the
    latest one given in a unit that converts (rounded to the digits a report prints); (None, None) if none."""
    ranged = sorted(
        (item for item in observations if item.reference_low is not None or item.reference_high is not None),
        key=lambda item: (_same_unit(item.unit, analyte.unit), item.sampled_on, item.pk),
        reverse=True,
    )
    for observation in ranged:
        low, high = observation.reference_low, observation.reference_high
        converted_low = None if low is None else _in_unit(analyte, low, observation.unit)
        converted_high = None if high is None else _in_unit(analyte, high, observation.unit)
        if (low is None or converted_low is not None) and (high is None or converted_high is not None):
            return _significant(converted_low), _significant(converted_high)
    return None, None


def _same_unit(first: str, second: str) -> bool:
    return analytes.unit_spelling(first) == analytes.unit_spelling(second)


def _in_unit(analyte: Analyte, value: Decimal, unit: str) -> Decimal | None:
    # The analyte's own unit compared as spelt on both sides: unit_spelling writes the micro sign of
    # "µmol/L" as a Greek mu, which the table's "µmol/L" is not.
    return value if _same_unit(unit, analyte.unit) else to_unit(analyte, value, unit)


def _significant(value: Decimal | None, digits: int = 3) -> Decimal | None:
    """45.084 -> 45.1, 90.168 -> 90.2, 0.4 -> 0.4: what a converted bound would print, no more."""
    if value is None or not value:
        return value
    places = max(0, digits - 1 - value.adjusted())
    return value.quantize(Decimal(1).scaleb(-places)).normalize()


def _nice_step(span: float, count: int) -> Decimal:
    raw = span / count
    magnitude = Decimal(10) ** Decimal(raw).adjusted()
    for factor in (1, 2, Decimal("2.5"), 5, 10):
        step = magnitude * factor
        if step >= Decimal(str(raw)):
            return step
    return magnitude * 10


def _value_axis(values: list[Decimal]) -> tuple[float, float, list[Decimal]]:
    low, high = float(min(values)), float(max(values))
    if low == high:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    step = _nice_step(high - low, Y_TICKS)
    first = (Decimal(str(low)) / step).to_integral_value(rounding="ROUND_FLOOR") * step
    last = (Decimal(str(high)) / step).to_integral_value(rounding="ROUND_CEILING") * step
    ticks, tick = [], first
    while tick <= last:
        ticks.append(tick.normalize() if tick else Decimal(0))
        tick += step
    return float(first), float(last), ticks


def _month_starts(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, day = [], datetime.date(first.year, first.month, 1)
    while day <= last:
        if day >= first:
            months.append(day)
        day = datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return months


def _date_ticks(first: datetime.date, last: datetime.date) -> tuple[list[datetime.date], str]:
    months = _month_starts(first, last)
    if len(months) >= 2:
        for stride in MONTH_STRIDES:
            # January first, when the stride allows: years read best.
            chosen = [day for day in months if (day.year * 12 + day.month - 1) % stride == 0]
            if 2 <= len(chosen) <= MAX_X_TICKS:
                return chosen, "N Y"
    return sorted({first, last}), "j N Y"


def trend_chart(analyte: Analyte, observations: list[Observation]) -> TrendChart:
    """The chart of `observations` (one analyte's, any order) in the analyte's unit."""
    charted = sorted(
        (observation for observation in observations if observation.unified_value is not None),
        key=lambda item: (item.sampled_on, item.pk),
    )
    chart = TrendChart(points=[], not_charted=[item for item in observations if item.unified_value is None])
    chart.reference_low, chart.reference_high = reference_range(analyte, observations)
    if not charted:
        return chart
    values = [item.unified_value for item in charted if item.unified_value is not None]
    bounds = [bound for bound in (chart.reference_low, chart.reference_high) if bound is not None]
    low, high, y_ticks = _value_axis(values + bounds)
    first_day, last_day = charted[0].sampled_on, charted[-1].sampled_on
    days = (last_day - first_day).days
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(day: datetime.date) -> float:
        if not days:
            return LEFT + plot_width / 2
        return LEFT + plot_width * (day - first_day).days / days

    def y_of(value: Decimal) -> float:
        return TOP + plot_height * (high - float(value)) / (high - low)

    for observation, value in zip(charted, values, strict=True):
        x, y = x_of(observation.sampled_on), y_of(value)
        flag = observation.flag
        # A triangle pointing up (high) or down (low): its apex, then its base's two corners.
        direction = {"H": -1, "L": 1}.get(flag)
        marker = ""
        if direction is not None:
            apex, base = y + direction * MARKER, y - direction * MARKER
            marker = f"M{_text(x)} {_text(apex)}L{_text(x + MARKER)} {_text(base)}L{_text(x - MARKER)} {_text(base)}Z"
        chart.points.append(
            ChartPoint(
                observation=observation,
                value=value,
                x=_text(x),
                y=_text(y),
                flag=flag,
                marker=marker,
                # Above a high value's triangle, below a low one's.
                label_x=_text(x),
                label_y=_text(y - MARKER - 3 if flag == "H" else y + MARKER + 12),
            )
        )
    chart.line = " ".join(f"{point.x},{point.y}" for point in chart.points)
    if bounds:
        band_top = y_of(chart.reference_high) if chart.reference_high is not None else TOP
        band_bottom = y_of(chart.reference_low) if chart.reference_low is not None else TOP + plot_height
        chart.band = {"y": _text(band_top), "height": _text(max(band_bottom - band_top, 1))}
    chart.y_ticks = [Tick(_text(y_of(tick)), tick) for tick in y_ticks]
    ticks, chart.x_format = _date_ticks(first_day, last_day)
    chart.x_ticks = [Tick(_text(x_of(day)), day) for day in ticks]
    return chart


def sparkline(observations: list[Observation]) -> str:
    """The points of a small line (SVG polyline, SPARK_WIDTH by SPARK_HEIGHT) of the values in the analyte's
    unit, placed by date; "" with fewer than two such values."""
    charted = sorted(
        (item for item in observations if item.unified_value is not None), key=lambda item: (item.sampled_on, item.pk)
    )
    if len(charted) < 2:
        return ""
    values = [float(item.unified_value) for item in charted if item.unified_value is not None]
    low, high = min(values), max(values)
    days = (charted[-1].sampled_on - charted[0].sampled_on).days
    width, height = SPARK_WIDTH - 2 * SPARK_MARGIN, SPARK_HEIGHT - 2 * SPARK_MARGIN
    points = []
    for item, value in zip(charted, values, strict=True):
        x = SPARK_MARGIN + (width * (item.sampled_on - charted[0].sampled_on).days / days if days else width / 2)
        y = SPARK_MARGIN + (height * (high - value) / (high - low) if high != low else height / 2)
        points.append(f"{_text(x)},{_text(y)}")
    return " ".join(points)
