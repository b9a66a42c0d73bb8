"""Charts as inline SVG drawn on the server: no JavaScript, no CDN (the intranet is offline)."""
from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

PALETTE = ("#2f6db5", "#e08a1e", "#8c8c8c", "#3a9a5b", "#c0392b")
MAX_LABEL = 260  # px; longer labels are cut with an ellipsis (the full text is in the tooltip)


def text_width(text: str, size: int = 12) -> int:
    """Rough rendered width in px: CJK glyphs are square, Latin ones about 0.6 em."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else round(size * 0.6)
               for c in text)


def _fit(text: str, width: int) -> str:
    if text_width(text) <= width:
        return text
    while text and text_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _fmt_number(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.2f}"


def hbar_chart(title: str, rows: Sequence[tuple[str, Sequence[float | None]]],
               series: Sequence[str] = (), *, maximum: float | None = None,
               fmt: Callable[[float], str] = _fmt_number, bar_width: int = 300) -> Markup:
    """Horizontal bars: one group per row, one bar per series (None draws no bar)."""
    label_width = min(MAX_LABEL, max((text_width(label) for label, _v in rows), default=40)) + 12
    n_series = max((len(values) for _label, values in rows), default=1) or 1
    bar_h, gap = 14, 10
    group_h = n_series * bar_h + gap
    legend_h = 22 if len(series) > 1 else 0
    top = 28 + legend_h
    height = top + max(1, len(rows)) * group_h + 8
    legend = sum(28 + text_width(label) for label in series) if len(series) > 1 else 0
    width = max(label_width + bar_width + 70, legend, text_width(title, 14) + 10)
    values = [v for _label, vs in rows for v in vs if v is not None]
    top_value = maximum if maximum is not None else (max(values) if values else 1) or 1
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
              f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
              f'font-family="sans-serif" font-size="12">'),
             f'<title>{escape(title)}</title>',
             f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>']
    if len(series) > 1:
        x = 0
        for i, label in enumerate(series):
            colour = PALETTE[i % len(PALETTE)]
            parts.append(f'<rect x="{x}" y="{28}" width="12" height="12" fill="{colour}"/>'
                         f'<text x="{x + 16}" y="{38}">{escape(label)}</text>')
            x += 28 + text_width(label)
    if not rows:
        parts.append(f'<text x="0" y="{top + 14}" fill="#666">—</text>')
    for r, (label, row_values) in enumerate(rows):
        y = top + r * group_h
        parts.append(f'<text x="{label_width - 8}" y="{y + n_series * bar_h / 2 + 4:.1f}" '
                     f'text-anchor="end"><title>{escape(label)}</title>'
                     f'{escape(_fit(label, label_width - 12))}</text>')
        for s, value in enumerate(row_values):
            if value is None:
                continue
            length = max(0.0, min(1.0, value / top_value)) * bar_width
            by = y + s * bar_h
            colour = PALETTE[s % len(PALETTE)]
            parts.append(f'<rect x="{label_width}" y="{by}" width="{length:.1f}" '
                         f'height="{bar_h - 2}" fill="{colour}"><title>{escape(label)}: '
                         f'{escape(fmt(value))}</title></rect>'
                         f'<text x="{label_width + length + 4:.1f}" y="{by + bar_h - 4}">'
                         f'{escape(fmt(value))}</text>')
    parts.append(f'<line x1="{label_width}" y1="{top - 4}" x2="{label_width}" '
                 f'y2="{height - 6}" stroke="#999"/></svg>')
    return Markup("".join(parts))


def percent(value: float) -> str:
    return f"{value:.1%}"
