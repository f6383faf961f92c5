"""SVG charts drawn on the server from suppressed values: no JavaScript, no chart library, no CDN.

A hidden (suppressed) value is drawn as a hatched stub labelled with the marker, never as a bar
of its true length, so the picture leaks nothing the numbers hide. All text goes through
``html.escape``.
"""
from __future__ import annotations

from html import escape
from typing import List, Optional, Sequence, Tuple

PALETTE = ("#0f766e", "#b45309", "#7c3aed", "#be123c", "#1d4ed8", "#4d7c0f", "#6b7280")
HATCH = (
    '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
    '<rect width="6" height="6" fill="#eef2f7"/><line x1="0" y1="0" x2="0" y2="6" stroke="#94a3b8" stroke-width="2"/></pattern></defs>'
)


def _nice_max(value: int) -> int:
    """Axis top; at least 50, so no tick label (0, 25, 50…) reads like a small count."""
    if value <= 50:
        return 50
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 2.5, 5, 10):
        top = int(step * magnitude)
        if top >= value:
            return top
    return value


def _label(text: str, limit: int = 28) -> str:
    text = text.replace("_", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def hbar(rows: Sequence[Tuple[str, str, Optional[int]]], title: str, color: str = PALETTE[0], width: int = 520) -> str:
    """Horizontal bars for categories: (label, shown text, value or None when hidden)."""
    if not rows:
        return f'<p class="empty">No data for {escape(title.lower())} in this range.</p>'
    bar_h, gap, left, right = 22, 8, 200, 60
    height = len(rows) * (bar_h + gap) + 10
    top = _nice_max(max([v for _, _, v in rows if v is not None] + [1]))
    span = width - left - right
    parts = [f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" width="100%">', HATCH]
    for i, (label, shown, value) in enumerate(rows):
        y = 5 + i * (bar_h + gap)
        parts.append(f'<text x="{left - 8}" y="{y + bar_h * 0.7:.0f}" text-anchor="end" class="lbl">{escape(_label(label))}</text>')
        if value is None:
            parts.append(f'<rect x="{left}" y="{y}" width="{span * 0.06 + 8:.0f}" height="{bar_h}" rx="3" fill="url(#hatch)"/>')
            parts.append(f'<text x="{left + span * 0.06 + 14:.0f}" y="{y + bar_h * 0.7:.0f}" class="val muted">{escape(shown)}</text>')
        else:
            w = max(span * value / top, 1 if value else 0)
            parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="3" fill="{color}"><title>{escape(label)}: {escape(shown)}</title></rect>')
            parts.append(f'<text x="{left + w + 6:.1f}" y="{y + bar_h * 0.7:.0f}" class="val">{escape(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def columns(rows: Sequence[Tuple[str, str, Optional[int]]], title: str, color: str = PALETTE[0], width: int = 760, height: int = 240) -> str:
    """Vertical bars over time; hidden buckets are hatched stubs with the marker above."""
    if not rows:
        return f'<p class="empty">No data for {escape(title.lower())}.</p>'
    left, bottom, top_pad = 44, 34, 16
    plot_w, plot_h = width - left - 10, height - bottom - top_pad
    top = _nice_max(max([v for _, _, v in rows if v is not None] + [1]))
    step = plot_w / len(rows)
    bar_w = max(step * 0.72, 1.5)
    parts = [f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" width="100%">', HATCH]
    for fraction in (0, 0.5, 1):
        y = top_pad + plot_h * (1 - fraction)
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="axis">{int(top * fraction)}</text>')
    label_every = max(1, len(rows) // 8)
    for i, (label, shown, value) in enumerate(rows):
        x = left + i * step + (step - bar_w) / 2
        if value is None:
            h = plot_h * 0.06
            parts.append(f'<rect x="{x:.1f}" y="{top_pad + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="url(#hatch)"><title>{escape(label)}: {escape(shown)}</title></rect>')
        elif value:
            h = plot_h * value / top
            parts.append(f'<rect x="{x:.1f}" y="{top_pad + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" rx="2" fill="{color}"><title>{escape(label)}: {escape(shown)}</title></rect>')
        if i % label_every == 0:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - 12}" text-anchor="middle" class="axis">{escape(label[5:] if len(label) == 10 else label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def lines(series: List[Tuple[str, List[Tuple[str, Optional[int]]]]], title: str, width: int = 760, height: int = 260) -> str:
    """One line per app over time; a hidden point breaks the line (drawn as a hollow marker at 0)."""
    if not series or not series[0][1]:
        return f'<p class="empty">No data for {escape(title.lower())}.</p>'
    left, bottom, top_pad, legend_w = 44, 34, 16, 120
    plot_w, plot_h = width - left - legend_w, height - bottom - top_pad
    values = [v for _, points in series for _, v in points if v is not None]
    top = _nice_max(max(values + [1]))
    n = len(series[0][1])
    step = plot_w / max(n - 1, 1)
    parts = [f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" width="100%">']
    for fraction in (0, 0.5, 1):
        y = top_pad + plot_h * (1 - fraction)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="axis">{int(top * fraction)}</text>')
    label_every = max(1, n // 8)
    for i, (label, _) in enumerate(series[0][1]):
        if i % label_every == 0:
            parts.append(f'<text x="{left + i * step:.1f}" y="{height - 12}" text-anchor="middle" class="axis">{escape(label[5:] if len(label) == 10 else label)}</text>')
    for index, (name, points) in enumerate(series):
        color = PALETTE[index % len(PALETTE)]
        path, pen_down = [], False
        for i, (_, value) in enumerate(points):
            x = left + i * step
            if value is None:
                parts.append(f'<circle cx="{x:.1f}" cy="{top_pad + plot_h:.1f}" r="3" fill="white" stroke="{color}"/>')
                pen_down = False
                continue
            y = top_pad + plot_h * (1 - value / top)
            path.append(("L" if pen_down else "M") + f"{x:.1f},{y:.1f}")
            pen_down = True
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"><title>{escape(name)}: {value}</title></circle>')
        if path:
            parts.append(f'<path d="{" ".join(path)}" fill="none" stroke="{color}" stroke-width="2.2"/>')
        ly = top_pad + 6 + index * 20
        parts.append(f'<rect x="{left + plot_w + 16}" y="{ly}" width="12" height="12" rx="2" fill="{color}"/>')
        parts.append(f'<text x="{left + plot_w + 34}" y="{ly + 10}" class="lbl">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
