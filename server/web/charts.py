"""Bar charts drawn on the server as SVG: no script, no library, works offline.

Only geometry is computed here; the template writes the `<rect>`s, so every label
passes through Jinja's escaping.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH = 760
LABEL_WIDTH = 210
VALUE_WIDTH = 70
ROW_HEIGHT = 22
BAR_HEIGHT = 15


@dataclass
class Segment:
    css: str
    x: float
    width: float
    value: int
    title: str


@dataclass
class Bar:
    label: str
    y: int
    total: int
    segments: list[Segment] = field(default_factory=list)


@dataclass
class Chart:
    bars: list[Bar]
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return max(ROW_HEIGHT, len(self.bars) * ROW_HEIGHT) + 6

    @property
    def value_x(self) -> int:
        return self.width - VALUE_WIDTH + 6


def stacked(rows: list[tuple[str, list[tuple[str, int, str]]]]) -> Chart:
    """One bar per row, segments side by side, all scaled to the largest row total."""
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    largest = max((sum(v for _, v, _ in parts) for _, parts in rows), default=0) or 1
    bars = []
    for index, (label, parts) in enumerate(rows):
        bar = Bar(label, index * ROW_HEIGHT + 3, sum(v for _, v, _ in parts))
        x = float(LABEL_WIDTH)
        for css, value, title in parts:
            width = span * value / largest
            if value:
                bar.segments.append(Segment(css, round(x, 1), round(max(width, 1.0), 1), value,
                                            title))
            x += width
        bars.append(bar)
    return Chart(bars)


def simple(rows: list[tuple[str, int]], css: str = "bar-rule") -> Chart:
    return stacked([(label, [(css, value, label)]) for label, value in rows])
