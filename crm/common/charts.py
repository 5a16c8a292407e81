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
