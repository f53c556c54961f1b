"""Bar charts drawn on the server as SVG, for the dashboards (docs/adr/0031).

Only geometry is computed here; `console/bar_chart.html` draws it with presentation attributes (fill,
x, y), never a style attribute or a <style> element, so the charts pass the CSP (style-src 'self') and
need no JavaScript. Each chart sits beside a table of the same numbers for screen readers.
"""

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 240
LEFT = 44  # room for the value axis labels
BOTTOM = 36  # room for the category labels
TOP = 12
COLOURS = ("#005ea2", "#e5a000", "#d83933")  # USWDS primary, accent-warm, secondary


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Label:
    x: float
    text: str


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[Label]
    legend: list[tuple[str, str]]
    baseline: float
    left: int


def _nice_max(value: int) -> int:
    if value <= 5:
        return 5
    step = 10 ** (len(str(value)) - 1)
    for multiple in (1, 2, 5, 10):
        if value <= multiple * step:
            return multiple * step
    return 10 * step


def stacked_bars(
    *, id: str, title: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], every: int = 1
) -> Chart:
    """Bars per category, each stacked from the series (name, values); a label every `every` categories."""
    totals = [sum(values[i] for _, values in series) for i in range(len(categories))]
    top = _nice_max(max(totals, default=0))
    plot_h = HEIGHT - TOP - BOTTOM
    plot_w = WIDTH - LEFT - 8
    slot = plot_w / max(1, len(categories))
    bars: list[Bar] = []
    labels: list[Label] = []
    for i, category in enumerate(categories):
        base: float = HEIGHT - BOTTOM
        for n, (name, values) in enumerate(series):
            value = values[i]
            if value <= 0:
                continue
            height = plot_h * value / top
            base -= height
            bars.append(
                Bar(
                    x=round(LEFT + i * slot + slot * 0.15, 1),
                    y=round(base, 1),
                    width=round(slot * 0.7, 1),
                    height=round(height, 1),
                    colour=COLOURS[n % len(COLOURS)],
                    title=f"{category}: {value} {name.lower()}",
                )
            )
        if i % every == 0:
            labels.append(Label(x=round(LEFT + i * slot + slot / 2, 1), text=category))
    ticks = [Tick(y=round(HEIGHT - BOTTOM - plot_h * k / 4, 1), label=str(top * k // 4)) for k in range(5)]
    legend = [(name, COLOURS[n % len(COLOURS)]) for n, (name, _) in enumerate(series)]
    return Chart(id, title, WIDTH, HEIGHT, bars, ticks, labels, legend, HEIGHT - BOTTOM, LEFT)
