"""Small line charts drawn on the server as SVG coordinates (no script, no inline style).

A chart is a handful of numbers over dates: the template draws the polyline and the dots from
the coordinates worked out here, and a table beside it gives the same numbers in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

WIDTH = 320
HEIGHT = 120
PAD_X = 36
PAD_Y = 14


@dataclass(frozen=True)
class ChartDot:
    """One value at one date, and where it sits in the SVG."""

    day: date
    value: int
    x: float
    y: float


@dataclass(frozen=True)
class LineChart:
    """The dots in date order, the polyline through them, and the axis labels' values."""

    dots: list[ChartDot]
    low: int
    high: int
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def points(self) -> str:
        """The polyline's `points` attribute."""
        return " ".join(f"{dot.x:.1f},{dot.y:.1f}" for dot in self.dots)

    @property
    def top(self) -> int:
        """The y of the highest value's line."""
        return PAD_Y

    @property
    def bottom(self) -> int:
        """The y of the lowest value's line."""
        return self.height - PAD_Y


def line_chart(values: Sequence[tuple[date, int | None]]) -> LineChart | None:
    """A chart of the known values (None is left out) by date; None with fewer than one value.

    Dates are placed by their distance in days, so a gap of years looks like one; equal
    values everywhere draw a flat line in the middle.
    """
    known = sorted((day, value) for day, value in values if value is not None)
    if not known:
        return None
    low = min(value for _, value in known)
    high = max(value for _, value in known)
    first, last = known[0][0], known[-1][0]
    span_days = (last - first).days
    inner_w = WIDTH - 2 * PAD_X
    inner_h = HEIGHT - 2 * PAD_Y
    dots = []
    for day, value in known:
        x = PAD_X + (inner_w * (day - first).days / span_days if span_days else inner_w / 2)
        y = PAD_Y + (inner_h * (high - value) / (high - low) if high != low else inner_h / 2)
        dots.append(ChartDot(day, value, x, y))
    return LineChart(dots, low, high)


# Bar charts: horizontal bars, one line per row, the label at the left and the value written at
# the end of its bar, so the number never depends on colour or on reading the bar's length.
BAR_HEIGHT = 18
BAR_GAP = 8
LABEL_WIDTH = 240
VALUE_WIDTH = 150
BAR_CHART_WIDTH = 680
LABEL_CHARACTERS = 32


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart and where it sits in the SVG."""

    label: str
    value: float
    y: float
    width: float
    text_y: float
    remark: str = ""

    @property
    def short_label(self) -> str:
        """The label cut to fit beside the bar (the table has it in full)."""
        if len(self.label) <= LABEL_CHARACTERS:
            return self.label
        return self.label[: LABEL_CHARACTERS - 1].rstrip() + "…"


@dataclass(frozen=True)
class BarChart:
    """Bars proportional to their values from zero, and an optional goal line."""

    bars: list[Bar]
    high: float
    goal_x: float | None = None
    width: int = BAR_CHART_WIDTH
    label_width: int = LABEL_WIDTH

    @property
    def height(self) -> int:
        """The SVG's height: one line per bar."""
        return len(self.bars) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP

    @property
    def bar_height(self) -> int:
        """The height of one bar."""
        return BAR_HEIGHT

    @property
    def value_x_offset(self) -> int:
        """How far after the bar's end its value is written."""
        return 4


def bar_chart(
    rows: Sequence[tuple[str, float | None]] | Sequence[tuple[str, float | None, str]],
    *,
    goal: float | None = None,
    high: float | None = None,
) -> BarChart | None:
    """Horizontal bars for (label, value[, note]) rows; None when there is no row.

    Bars start at zero and are proportional to the largest value (or `high`, e.g. 1 for
    shares), so a bar twice as long means twice as much. A missing value draws no bar; the
    goal, if given, is a vertical line at its value.
    """
    if not rows:
        return None
    values = [row[1] or 0 for row in rows]
    top = max(high or 0, max(values), goal or 0)
    inner = BAR_CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for index, row in enumerate(rows):
        value = row[1] or 0
        y = BAR_GAP + index * (BAR_HEIGHT + BAR_GAP)
        width = inner * value / top if top else 0
        remark = row[2] if len(row) > 2 else ""
        bars.append(Bar(row[0], value, y, width, y + BAR_HEIGHT * 0.72, remark))
    goal_x = LABEL_WIDTH + inner * goal / top if goal is not None and top else None
    return BarChart(bars, top, goal_x)
