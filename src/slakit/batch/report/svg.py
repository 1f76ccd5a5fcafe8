"""Small inline-SVG charts for the HTML report: columns, horizontal bars, grouped columns, lines.

Each function returns one ``<svg>`` element as text, sized by its ``viewBox`` so the page scales
it. The element carries ``id="chart-<name>"``, ``data-chart="<name>"`` and ``data-bars`` or
``data-points`` (how many marks it drew); each bar is a ``<rect class="bar">`` and each point a
``<circle class="point">`` with ``data-label`` and ``data-value``, so tests and scripts can read
the chart back. All text is escaped. No scripts, no external references; the elements are
meant for inline use in HTML (no ``xmlns``: the HTML parser puts them in the SVG namespace).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from slakit.batch.report._format import display_width

__all__ = ["PALETTE", "Bar", "Series", "bar_chart", "column_chart", "grouped_column_chart", "line_chart"]

PALETTE = ("#2f6db5", "#e07b39", "#3a9a5b", "#b83b5e", "#7a5cc2", "#5f6b73")
"""Series colours, distinguishable for the common colour-vision deficiencies in this order."""

WIDTH = 640
FONT = 12  # px in viewBox units
_TOP, _RIGHT, _BOTTOM, _LEFT = 24, 12, 40, 52


@dataclass(frozen=True, slots=True)
class Bar:
    """One mark: its ``label``, its ``value`` (``None`` = no value, nothing drawn) and ``text`` shown beside it."""

    label: str
    value: float | None
    text: str


@dataclass(frozen=True, slots=True)
class Series:
    """A named sequence of values, one per label of a grouped or line chart; ``label`` is what the legend shows
    (the name when empty), the name is what ``data-series`` carries."""

    name: str
    values: tuple[float | None, ...]
    texts: tuple[str, ...]
    label: str = ""

    @property
    def shown(self) -> str:
        """The legend's text."""
        return self.label or self.name


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _fit(text: str, width: float, size: float = FONT) -> str:
    """``text`` cut with an ellipsis so that it takes at most ``width`` px at font ``size``."""
    if display_width(text) * size <= width:
        return text
    while text and display_width(text + "…") * size > width:
        text = text[:-1]
    return text + "…"


def nice_top(maximum: float) -> tuple[float, float]:
    """A round axis top at or above ``maximum`` and its tick step (4-5 ticks of 1, 2, 2.5 or 5 x 10^k)."""
    if maximum <= 0:
        return 1.0, 0.25
    magnitude = 10 ** math.floor(math.log10(maximum / 4))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if maximum / (m * magnitude) <= 5)
    return math.ceil(maximum / step - 1e-9) * step, step


def _open(name: str, title: str, height: float, marks: str, count: int) -> str:
    return (
        f'<svg id="chart-{_attr(name)}" class="chart" data-chart="{_attr(name)}" data-{marks}="{count}" '
        f'viewBox="0 0 {WIDTH} {_n(height)}" role="img" aria-label="{_attr(title)}">'
        f"<title>{escape(title)}</title>"
    )


def _nothing(values: Sequence[float | None]) -> bool:
    """Whether there is nothing to draw: no value above 0 (an axis of 0, 0, 0, 1, 1 ticks would say nothing)."""
    return not any(value is not None and value > 0 for value in values)


def _empty(name: str, title: str, marks: str) -> str:
    return (
        _open(name, title, 80, marks, 0)
        + f'<text class="empty" x="{WIDTH / 2}" y="44" text-anchor="middle">No data</text></svg>'
    )


def _y_axis(
    top: float, step: float, plot_h: float, tick_text: Callable[[float], str], margin: float = _TOP
) -> list[str]:
    parts = []
    for i in range(round(top / step) + 1):
        value = i * step
        y = margin + plot_h - value / top * plot_h
        parts.append(
            f'<line class="grid" x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{_n(y)}" y2="{_n(y)}"/>'
            f'<text class="tick" x="{_LEFT - 6}" y="{_n(y + 4)}" text-anchor="end">{escape(tick_text(value))}</text>'
        )
    return parts


def _x_labels(labels: Sequence[str], slot: float, plot_h: float, margin: float = _TOP) -> list[str]:
    widest = max((display_width(label) * (FONT - 1) for label in labels), default=0)
    every = max(1, math.ceil((widest + 6) / slot))  # thin out labels that would overlap
    y = margin + plot_h + 16
    return [
        f'<text class="label" x="{_n(_LEFT + slot * (i + 0.5))}" y="{_n(y)}" text-anchor="middle">'
        f"{escape(_fit(label, slot * every - 4, FONT - 1))}</text>"
        for i, label in enumerate(labels)
        if i % every == 0
    ]


def _rect(box: tuple[float, float, float, float], colour: str, bar: Bar, extra: str = "") -> str:
    x, y, w, h = box
    return (
        f'<rect class="bar" x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{colour}" '
        f'data-label="{_attr(bar.label)}" data-value="{_attr(bar.value)}"{extra}>'
        f"<title>{escape(bar.label)}: {escape(bar.text)}</title></rect>"
    )


def column_chart(
    name: str,
    title: str,
    bars: Sequence[Bar],
    *,
    tick_text: Callable[[float], str] = lambda v: f"{v:,.0f}",
    max_value: float | None = None,
    height: float = 260,
) -> str:
    """Vertical columns, one per bar, left to right (volume by week, the handling-time histogram)."""
    drawn = [bar for bar in bars if bar.value is not None]
    if _nothing([bar.value for bar in bars]):
        return _empty(name, title, "bars")
    top, step = nice_top(max_value if max_value is not None else max((b.value or 0 for b in drawn), default=0))
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, height - _TOP - _BOTTOM
    slot = plot_w / len(bars)
    width = min(56.0, slot * 0.72)
    parts = [_open(name, title, height, "bars", len(drawn)), *_y_axis(top, step, plot_h, tick_text)]
    for i, bar in enumerate(bars):
        if bar.value is None:
            continue
        h = max(0.0, bar.value) / top * plot_h
        x, y = _LEFT + slot * i + (slot - width) / 2, _TOP + plot_h - h
        parts.append(_rect((x, y, width, h), PALETTE[0], bar))
        if slot >= display_width(bar.text) * (FONT - 2) + 2:
            parts.append(
                f'<text class="value" x="{_n(x + width / 2)}" y="{_n(y - 4)}" text-anchor="middle">'
                f"{escape(bar.text)}</text>"
            )
    parts += _x_labels([bar.label for bar in bars], slot, plot_h)
    parts.append(_axis(plot_h))
    return "".join(parts) + "</svg>"


def bar_chart(
    name: str,
    title: str,
    bars: Sequence[Bar],
    *,
    max_value: float | None = None,
    tick_text: Callable[[float], str] = lambda v: f"{v:,.0f}",
) -> str:
    """Horizontal bars, top to bottom, for long (Chinese) labels: satisfaction, top issues; a value axis with
    round ticks runs under them (``class="tick"`` labels)."""
    if _nothing([bar.value for bar in bars]):
        return _empty(name, title, "bars")
    row, pad, axis_h = 30.0, 10.0, 22.0
    label_w = min(220.0, max(display_width(bar.label) for bar in bars) * FONT + 12)
    text_w = max(display_width(bar.text) for bar in bars) * FONT + 12
    left, plot_w = label_w, WIDTH - label_w - text_w - _RIGHT
    top, step = nice_top(max_value if max_value is not None else max((bar.value or 0 for bar in bars), default=0))
    bottom = pad + row * len(bars)
    height = bottom + axis_h + pad
    drawn = sum(1 for bar in bars if bar.value is not None)
    parts = [_open(name, title, height, "bars", drawn)]
    for i in range(round(top / step) + 1):
        x = left + i * step / top * plot_w
        parts.append(
            f'<line class="grid" x1="{_n(x)}" x2="{_n(x)}" y1="{pad}" y2="{_n(bottom)}"/>'
            f'<text class="tick" x="{_n(x)}" y="{_n(bottom + 16)}" text-anchor="middle">'
            f"{escape(tick_text(i * step))}</text>"
        )
    parts.append(f'<line class="axis" x1="{_n(left)}" x2="{_n(left + plot_w)}" y1="{_n(bottom)}" y2="{_n(bottom)}"/>')
    for i, bar in enumerate(bars):
        y = pad + row * i
        parts.append(
            f'<text class="label" x="{_n(left - 8)}" y="{_n(y + row / 2 + 4)}" text-anchor="end">'
            f"{escape(_fit(bar.label, label_w - 12))}</text>"
        )
        w = 0.0 if bar.value is None else max(0.0, bar.value) / top * plot_w
        if bar.value is not None:
            parts.append(_rect((left, y + 5, w, row - 10), PALETTE[0], bar))
        parts.append(f'<text class="value" x="{_n(left + w + 6)}" y="{_n(y + row / 2 + 4)}">{escape(bar.text)}</text>')
    parts.append(f'<line class="axis" x1="{_n(left)}" x2="{_n(left)}" y1="{pad}" y2="{_n(bottom)}"/>')
    return "".join(parts) + "</svg>"


def _legend(series: Sequence[Series]) -> tuple[list[str], float]:
    """The legend's marks, wrapped to the chart's width, and the extra height its second and later rows take."""
    parts, x, y = [], float(_LEFT), 4.0
    for i, one in enumerate(series):
        width = 14 + display_width(one.shown) * FONT + 16
        if x > _LEFT and x + width > WIDTH - _RIGHT:
            x, y = float(_LEFT), y + 16
        parts.append(
            f'<g class="legend"><rect x="{_n(x)}" y="{_n(y)}" width="10" height="10" '
            f'fill="{PALETTE[i % len(PALETTE)]}"/><text x="{_n(x + 14)}" y="{_n(y + 9)}">{escape(one.shown)}</text></g>'
        )
        x += width
    return parts, y - 4


def _axis(plot_h: float, margin: float = _TOP) -> str:
    y = _n(margin + plot_h)
    return f'<line class="axis" x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y}" y2="{y}"/>'


def grouped_column_chart(
    name: str,
    title: str,
    groups: Sequence[str],
    series: Sequence[Series],
    *,
    tick_text: Callable[[float], str],
    max_value: float | None = None,
    height: float = 280,
    labels: Sequence[str] = (),
) -> str:
    """Columns per group, one per series side by side, with a legend (SLA compliance per priority and metric).

    ``labels`` are what the axis shows for the groups (the groups themselves when empty; ``data-group`` carries the
    group). Each column's value is written vertically (``class="value small"``, ``data-for`` naming its group and
    series), inside the column when it is tall enough, else above it, so that neighbouring values never overlap;
    columns too narrow for a line of text carry it in their tooltip only."""
    values = [v for one in series for v in one.values if v is not None]
    if not groups or not series or _nothing(values):
        return _empty(name, title, "bars")
    top, step = nice_top(max_value if max_value is not None else max(values, default=0))
    legend, extra = _legend(series)
    margin, plot_w, plot_h = _TOP + extra, WIDTH - _LEFT - _RIGHT, height - _TOP - _BOTTOM
    slot = plot_w / len(groups)
    width = min(40.0, slot * 0.8 / len(series))
    parts = [
        _open(name, title, height + extra, "bars", len(values)),
        *legend,
        *_y_axis(top, step, plot_h, tick_text, margin),
    ]
    for g, group in enumerate(groups):
        start = _LEFT + slot * g + (slot - width * len(series)) / 2
        for s, one in enumerate(series):
            value = one.values[g]
            if value is None:
                continue
            h = max(0.0, value) / top * plot_h
            x, y = start + width * s, margin + plot_h - h
            colour = PALETTE[s % len(PALETTE)]
            extra_attrs = f' data-group="{_attr(group)}" data-series="{_attr(one.name)}"'
            bar = Bar(f"{group} {one.name}", value, one.texts[g])
            parts.append(_rect((x, y, width - 2, h), colour, bar, extra_attrs))
            if width - 2 >= _SMALL + 2:
                parts.append(_vertical_value(x + (width - 2) / 2, y, h, one.texts[g], f"{group} {one.name}"))
    parts += _x_labels(list(labels) if labels else list(groups), slot, plot_h, margin)
    parts.append(_axis(plot_h, margin))
    return "".join(parts) + "</svg>"


_SMALL = 9  # px: the font size of ``.value.small`` in the page's CSS


def _vertical_value(centre: float, top: float, h: float, text: str, owner: str) -> str:
    """A column's value written bottom to top, centred on the column: inside it (white) when it fits, else above."""
    length = display_width(text) * _SMALL
    x = centre + _SMALL * 0.35  # the rotated baseline: the glyphs sit centred on the column
    if h >= length + 8:
        y, where = top + h - 4, "inside"
    else:
        y, where = top - 4, "above"
    return (
        f'<text class="value small {where}" x="{_n(x)}" y="{_n(y)}" transform="rotate(-90 {_n(x)} {_n(y)})" '
        f'data-for="{_attr(owner)}">{escape(text)}</text>'
    )


def line_chart(
    name: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    tick_text: Callable[[float], str],
    max_value: float | None = None,
    height: float = 260,
) -> str:
    """One line per series over ``labels`` (a trend per month); a missing value breaks the line."""
    values = [v for one in series for v in one.values if v is not None]
    if not labels or not series or not values:
        return _empty(name, title, "points")
    top, step = nice_top(max_value if max_value is not None else max(values, default=0))
    legend, extra = _legend(series)
    margin, plot_w, plot_h = _TOP + extra, WIDTH - _LEFT - _RIGHT, height - _TOP - _BOTTOM
    slot = plot_w / len(labels)
    parts = [
        _open(name, title, height + extra, "points", len(values)),
        *legend,
        *_y_axis(top, step, plot_h, tick_text, margin),
    ]
    for s, one in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        path, points, pen = [], [], "M"
        for i, value in enumerate(one.values):
            if value is None:
                pen = "M"
                continue
            x, y = _LEFT + slot * (i + 0.5), margin + plot_h - max(0.0, value) / top * plot_h
            path.append(f"{pen}{_n(x)} {_n(y)}")
            pen = "L"
            points.append(
                f'<circle class="point" cx="{_n(x)}" cy="{_n(y)}" r="4" fill="{colour}" '
                f'data-series="{_attr(one.name)}" data-label="{_attr(labels[i])}" data-value="{_attr(value)}">'
                f"<title>{escape(labels[i])} {escape(one.name)}: {escape(one.texts[i])}</title></circle>"
            )
        parts.append(f'<path class="line" d="{" ".join(path)}" stroke="{colour}" fill="none"/>')
        parts += points
    parts += _x_labels(list(labels), slot, plot_h, margin)
    parts.append(_axis(plot_h, margin))
    return "".join(parts) + "</svg>"
