"""Geometry of the report's SVG bar charts, drawn on the server (no chart library).

``bar_chart`` turns categories (months) and named series into rectangles in a fixed
viewBox; the template only writes them out. Values are never negative.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["THEMED_SERIES", "bar_chart", "series_colours"]

WIDTH, HEIGHT = 640, 240
LEFT, BOTTOM, TOP = 48, 36, 12
THEMED_SERIES = 5  # .s0–.s4 in site.css (light and dark themes) colour the first series


def series_colours(n: int) -> list[str]:
    """A distinct fill per series, however many: the themed five's fallbacks, then hues a
    golden angle apart (never the same twice within one chart)."""
    import colorsys

    base = ["#1f6feb", "#d97706", "#16a34a", "#db2777", "#7c3aed"]
    out = base[:n]
    for i in range(len(out), n):
        hue = (0.11 + (i - THEMED_SERIES) * 0.618033988749895) % 1.0
        light = (0.38, 0.5, 0.62)[(i - THEMED_SERIES) // 3 % 3]
        r, g, b = colorsys.hls_to_rgb(hue, light, 0.65)
        out.append(f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}")
    while len(set(out)) < len(out):  # a rounding collision: nudge the later one
        seen: set[str] = set()
        for i, colour in enumerate(out):
            if colour in seen:
                out[i] = f"#{(int(colour[1:], 16) + 1) % 0xFFFFFF:06x}"
            seen.add(out[i])
    return out


def _nice_top(peak: int) -> int:
    """The smallest 1, 2 or 5 × 10^k at or above ``peak`` (at least 1)."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= peak:
                return m * step
        step *= 10


def _tick(value: float) -> str:
    """A tick's text: whole numbers with thousands separators, and the 0.5 of a top of 1."""
    return f"{int(value):,}" if value == int(value) else f"{value:g}"


def bar_chart(
    categories: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], title: str
) -> dict:
    """Grouped bars: one group per category, one bar per series, with y-axis ticks."""
    peak = max((v for _, values in series for v in values), default=0)
    top = _nice_top(peak)
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    group_w = plot_w / max(1, len(categories))
    bar_w = max(1.0, (group_w * 0.8) / max(1, len(series)))
    fills = series_colours(len(series))
    bars = []
    for c, category in enumerate(categories):
        for s, (name, values) in enumerate(series):
            value = values[c]
            h = plot_h * value / top
            bars.append(
                {
                    "x": round(LEFT + c * group_w + group_w * 0.1 + s * bar_w, 2),
                    "y": round(TOP + plot_h - h, 2),
                    "w": round(bar_w, 2),
                    "h": round(h, 2),
                    "series": s,
                    "fill": fills[s],
                    "label": f"{category} {name}: {value}",
                }
            )
    ticks = [
        {"y": round(TOP + plot_h - plot_h * f, 2), "text": _tick(top * f)} for f in (0, 0.5, 1)
    ]
    every = max(1, len(categories) // 8)  # at most about 8 month labels under the axis
    labels = [
        {"x": round(LEFT + c * group_w + group_w / 2, 2), "text": category}
        for c, category in enumerate(categories)
        if c % every == 0
    ]
    return {
        "title": title,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "base": TOP + plot_h,
        "right": WIDTH - 8,
        "bars": bars,
        "ticks": ticks,
        "labels": labels,
        "legend": [
            {"name": name, "series": s, "fill": fills[s]} for s, (name, _) in enumerate(series)
        ],
    }
