"""Server-side SVG charts (no JavaScript library, nothing from the internet)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class MonthBar:
    label: str  # e.g. "2026-10"
    volume: int  # bar (left axis)
    rate: float | None  # line, 0..1 (right axis); None: nothing completed that month
    title: str  # tooltip text


def _nice_max(value: int) -> int:
    """A round axis maximum at or above value, split into four whole steps (4, 8, 20, 40, …)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if value <= 4 * factor * step:
                return 4 * factor * step
        step *= 10


def months_chart(points: Sequence[MonthBar], *, volume_label: str, rate_label: str,
                 target: float | None = None, target_label: str = "",
                 width: int = 960, height: int = 260) -> Markup:
    """Bars of monthly volume with the on-time rate as a line over them."""
    left, right, top, bottom = 48, 52, 30, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(1, len(points))
    slot = plot_w / n
    ymax = _nice_max(max((p.volume for p in points), default=0))
    out = [(f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
            f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(volume_label)} / '
            f'{escape(rate_label)}">')]
    # grid and axes
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        out.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" '
                   f'y2="{y:.1f}"/>')
        out.append(f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
                   f'{ymax * i // 4}</text>')
        out.append(f'<text class="axis" x="{left + plot_w + 6}" y="{y + 4:.1f}">'
                   f'{25 * i}%</text>')
    if target is not None:
        y = top + plot_h * (1 - target)
        out.append(f'<line class="target" x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" '
                   f'y2="{y:.1f}"><title>{escape(target_label)}</title></line>')
    # bars
    line_points = []
    for i, p in enumerate(points):
        x = left + slot * i
        h = plot_h * p.volume / ymax if ymax else 0
        bar_w = slot * 0.6
        out.append(f'<rect class="bar" x="{x + slot * 0.2:.1f}" y="{top + plot_h - h:.1f}" '
                   f'width="{bar_w:.1f}" height="{h:.1f}"><title>{escape(p.title)}</title></rect>')
        if p.volume:
            out.append(f'<text class="value" x="{x + slot / 2:.1f}" y="{top + plot_h - h - 4:.1f}" '
                       f'text-anchor="middle">{p.volume}</text>')
        out.append(f'<text class="axis" x="{x + slot / 2:.1f}" y="{height - bottom + 16}" '
                   f'text-anchor="middle">{escape(p.label[2:] if len(p.label) == 7 else p.label)}'
                   f'</text>')
        if p.rate is not None:
            line_points.append((x + slot / 2, top + plot_h * (1 - p.rate), p))
    if len(line_points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in line_points)
        out.append(f'<polyline class="rate" points="{path}"/>')
    for x, y, p in line_points:
        out.append(f'<circle class="rate-dot" cx="{x:.1f}" cy="{y:.1f}" r="3.5">'
                   f'<title>{escape(p.title)}</title></circle>')
    # legend
    out.append(f'<rect class="bar" x="{left}" y="8" width="12" height="12"/>'
               f'<text class="legend" x="{left + 18}" y="18">{escape(volume_label)}</text>')
    lx = left + 210
    out.append(f'<line class="rate" x1="{lx}" y1="14" x2="{lx + 18}" y2="14"/>'
               f'<circle class="rate-dot" cx="{lx + 9}" cy="14" r="3.5"/>'
               f'<text class="legend" x="{lx + 24}" y="18">{escape(rate_label)}</text>')
    if target is not None:
        tx = lx + 250
        out.append(f'<line class="target" x1="{tx}" y1="14" x2="{tx + 18}" y2="14"/>'
                   f'<text class="legend" x="{tx + 24}" y="18">{escape(target_label)}</text>')
    out.append("</svg>")
    return Markup("".join(out))
