"""A dependency-free SVG line chart for benchmark figures (GitHub renders SVG in Markdown; no plotting library
needs installing to regenerate one)."""

import math
from dataclasses import dataclass, field
from html import escape

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")


@dataclass
class Series:
    name: str
    points: list[tuple[float, float]]  # (x, y)
    dashed: bool = False


@dataclass
class Chart:
    title: str
    x_label: str
    y_label: str
    series: list[Series] = field(default_factory=list)
    log2_x: bool = True
    y_range: tuple[float, float] = (0.7, 1.0)
    y_lines: list[float] = field(default_factory=list)  # horizontal reference lines (e.g. a target)
    width: int = 760
    height: int = 440


def _x_position(chart: Chart, x: float, low: float, high: float, left: int, right: int) -> float:
    scale = math.log2 if chart.log2_x else (lambda v: v)
    return left + (scale(x) - scale(low)) / max(scale(high) - scale(low), 1e-9) * (right - left)


def _grid_lines(chart: Chart, box: tuple[int, int, int, int], x_range: tuple[float, float], to_y) -> list[str]:
    """Horizontal lines every tenth of the y range and vertical ones at powers of two (or eighths), labelled."""
    (left, right, top, bottom), (low_x, high_x) = box, x_range
    low_y, high_y = chart.y_range
    parts = []
    for tick in range(11):
        y = low_y + (high_y - low_y) * tick / 10
        parts.append(f'<line x1="{left}" x2="{right}" y1="{to_y(y):.1f}" y2="{to_y(y):.1f}" stroke="#e5e5e5"/>'
                     f'<text x="{left - 6}" y="{to_y(y) + 4:.1f}" text-anchor="end">{y:.0%}</text>')
    tick_x = 2 ** math.floor(math.log2(low_x)) if chart.log2_x else low_x
    while tick_x <= high_x * 1.001:
        x = _x_position(chart, tick_x, low_x, high_x, left, right)
        if x >= left - 1:
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom}" stroke="#f0f0f0"/>'
                         f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle">{tick_x:g}</text>')
        tick_x = tick_x * 2 if chart.log2_x else tick_x + (high_x - low_x) / 8
    return parts


def render_svg(chart: Chart) -> str:
    """The chart as an SVG document: one polyline with markers per series, a legend on the right."""
    left, right, top, bottom = 64, chart.width - 190, 40, chart.height - 52
    xs = [x for s in chart.series for x, _ in s.points]
    low_x, high_x = min(xs), max(xs)
    low_y, high_y = chart.y_range

    def to_y(y: float) -> float:
        return bottom - (min(max(y, low_y), high_y) - low_y) / (high_y - low_y) * (bottom - top)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{chart.width}" height="{chart.height}" '
             f'font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/>',
             f'<text x="{left}" y="22" font-size="15" font-weight="bold">{escape(chart.title)}</text>']
    parts += _grid_lines(chart, (left, right, top, bottom), (low_x, high_x), to_y)
    for y in chart.y_lines:
        parts.append(f'<line x1="{left}" x2="{right}" y1="{to_y(y):.1f}" y2="{to_y(y):.1f}" stroke="#D55E00" '
                     f'stroke-dasharray="2,3"/>')
    for index, series in enumerate(chart.series):
        colour = PALETTE[index % len(PALETTE)]
        points = " ".join(f"{_x_position(chart, x, low_x, high_x, left, right):.1f},{to_y(y):.1f}"
                          for x, y in series.points)
        dash = ' stroke-dasharray="6,4"' if series.dashed else ""
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        parts.extend(f'<circle cx="{_x_position(chart, x, low_x, high_x, left, right):.1f}" cy="{to_y(y):.1f}" '
                     f'r="3" fill="{colour}"/>' for x, y in series.points)
        legend_y = top + 8 + index * 20
        parts.append(f'<line x1="{right + 16}" x2="{right + 40}" y1="{legend_y}" y2="{legend_y}" stroke="{colour}" '
                     f'stroke-width="2"{dash}/><text x="{right + 46}" y="{legend_y + 4}">{escape(series.name)}</text>')
    parts.append(f'<text x="{(left + right) / 2}" y="{chart.height - 14}" text-anchor="middle">'
                 f'{escape(chart.x_label)}</text>')
    parts.append(f'<text transform="translate(16,{(top + bottom) / 2}) rotate(-90)" text-anchor="middle">'
                 f'{escape(chart.y_label)}</text></svg>')
    return "\n".join(parts) + "\n"
