"""Charts as standalone SVG documents (UTF-8 text a browser opens, or a page embeds).

Every text from the data (labels, terms, titles) is XML-escaped, so a term such as
``<script>`` is shown, never run. Elements carry classes (``track``, ``hit``, ``bar``,
``series-N``) and a ``<title>`` with the exact value, which a browser shows on hover.
Colours are the Okabe–Ito palette, told apart by readers with colour-blindness; lines also
differ by marker shape.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape, quoteattr

from kscorpus.charts.model import Bar, Panel, Series, Strip

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
FONT = "system-ui, 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
_CHAR = 7.5  # px a Latin character takes at font-size 12 (a Han character: twice that)


def _text_width(text: str) -> float:
    return sum(2 * _CHAR if unicodedata.east_asian_width(c) in "WF" else _CHAR for c in text)


def _clip(text: str, width: float) -> str:
    """``text`` cut (with …) to at most ``width`` px."""
    if _text_width(text) <= width:
        return text
    out, used = [], _CHAR
    for ch in text:
        used += _text_width(ch)
        if used > width:
            break
        out.append(ch)
    return "".join(out) + "…"


def nice_scale(top: float, steps: int = 4) -> tuple[float, float]:
    """A round step (1, 2, 2.5 or 5 times a power of ten) and the axis top it gives: the
    first multiple of the step at or above ``top``, reached in about ``steps`` steps."""
    if top <= 0:
        return 1.0, float(steps)
    raw = top / steps
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return step, step * math.ceil(top / step - 1e-9)


def _document(width: float, height: float, title: str, body: list[str], subtitle: str = "") -> str:
    """The SVG document around ``body``: ``title`` (the tab's and the chart's heading) and,
    under it, ``subtitle`` (what the bars and notes are), both escaped."""
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family={quoteattr(FONT)} font-size="12">'
    )
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            head,
            f"<title>{escape(title)}</title>",
            '<rect width="100%" height="100%" fill="#ffffff"/>',
            f'<text x="12" y="22" font-size="15" font-weight="bold">{escape(title)}</text>',
            *([_text(12, 40, subtitle, cls="subtitle")] if subtitle else []),
            *body,
            "</svg>",
            "",
        ]
    )


def _text(x: float, y: float, text: str, anchor: str = "start", cls: str = "label") -> str:
    return (
        f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(text)}</text>'
    )


def strips_svg(rows: Sequence[Strip], title: str, width: int = 900) -> str:
    """A dispersion plot: a row per text, its length a grey track, each hit a dark tick."""
    label_w = min(max((_text_width(r.label) for r in rows), default=0), 260) + 20
    note_w = max((_text_width(r.note) for r in rows), default=0) + 16
    track_w = max(width - label_w - note_w - 24, 200)
    row_h, top = 26, 40
    body = []
    for i, row in enumerate(rows):
        y = top + i * row_h
        body.append(_text(12, y + 15, _clip(row.label, label_w - 20)))
        body.append(
            f'<rect class="track" x="{label_w:.1f}" y="{y + 4}" width="{track_w:.1f}" '
            f'height="{row_h - 8}" fill="#eeeeee" stroke="#999999" stroke-width="0.5"/>'
        )
        for p in row.positions:
            x = label_w + min(max(p, 0.0), 1.0) * track_w
            body.append(
                f'<line class="hit" x1="{x:.2f}" y1="{y + 4}" x2="{x:.2f}" y2="{y + row_h - 4}" '
                f'stroke="{PALETTE[0]}" stroke-width="1.5"><title>{p:.1%}</title></line>'
            )
        if row.note:
            body.append(_text(label_w + track_w + 8, y + 15, row.note, cls="note"))
    bottom = top + len(rows) * row_h
    body.append(_text(label_w, bottom + 14, "start", cls="axis"))
    body.append(_text(label_w + track_w, bottom + 14, "end", "end", cls="axis"))
    return _document(label_w + track_w + note_w + 12, bottom + 26, title, body)


def _axis_y(x0: float, y0: float, h: float, w: float, top: float, fmt: Callable[[float], str],
            unit: str) -> list[str]:  # fmt: skip
    """Grid lines and their values at round steps from 0 to ``top`` (a ``nice_scale``)."""
    step, _ = nice_scale(top)
    out = []
    for k in range(round(top / step) + 1):
        v = step * k
        y = y0 - h * v / top
        out.append(
            f'<line class="grid" x1="{x0}" y1="{y:.1f}" x2="{x0 + w:.1f}" y2="{y:.1f}" '
            f'stroke="#dddddd" stroke-width="1"/>'
        )
        out.append(_text(x0 - 6, y + 4, fmt(v), "end", cls="axis"))
    out.append(
        f'<text class="axis" x="14" y="{y0 - h / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {y0 - h / 2:.1f})">{escape(unit)}</text>'
    )
    return out


def _axis_x(categories: Sequence[str], x_of: Callable[[int], float], y0: float) -> list[str]:
    """Category labels under the axis, every k-th where they would overlap."""
    if not categories:
        return []
    room = (x_of(1) - x_of(0)) if len(categories) > 1 else 100.0
    every = max(1, int((max(_text_width(c) for c in categories) + 8) // max(room, 1)) + 1)
    return [
        _text(x_of(i), y0 + 16, c, "middle", cls="axis")
        for i, c in enumerate(categories)
        if i % every == 0
    ]


def bars_svg(
    categories: Sequence[str],
    values: Sequence[float | None],
    title: str,
    unit: str,
    fmt: Callable[[float], str] = lambda v: f"{v:,.6g}",
    width: int = 900,
    height: int = 360,
) -> str:
    """Vertical bars, one per category (a time axis reads left to right). A None value has
    no bar and a hatched gap, with "no articles" on hover (a zero is a bar of no height)."""
    if len(categories) != len(values):
        raise ValueError("one value per category")
    x0, y0, top_margin = 70.0, height - 40.0, 44.0
    w, h = width - x0 - 20, y0 - top_margin
    n = max(len(categories), 1)
    slot = w / n
    top = nice_scale(max((v for v in values if v is not None), default=0.0))[1]
    body = _axis_y(x0, y0, h, w, top, fmt, unit)
    for i, (c, v) in enumerate(zip(categories, values)):
        x = x0 + i * slot + slot * 0.1
        if v is None:
            body.append(
                f'<rect class="gap" x="{x:.2f}" y="{y0 - h:.1f}" width="{slot * 0.8:.2f}" '
                f'height="{h:.1f}" fill="#f6f6f6"><title>{escape(c)}: no articles</title></rect>'
            )
            continue
        bh = h * v / top
        body.append(
            f'<rect class="bar" x="{x:.2f}" y="{y0 - bh:.2f}" width="{slot * 0.8:.2f}" '
            f'height="{bh:.2f}" fill="{PALETTE[0]}"><title>{escape(c)}: {escape(fmt(v))}'
            f"</title></rect>"
        )
    body.append(
        f'<line class="axis" x1="{x0}" y1="{y0}" x2="{x0 + w:.1f}" y2="{y0}" stroke="#333333"/>'
    )
    body += _axis_x(categories, lambda i: x0 + (i + 0.5) * slot, y0)
    return _document(width, height, title, body)


def lines_svg(
    categories: Sequence[str],
    series: Sequence[Series],
    title: str,
    unit: str,
    fmt: Callable[[float], str] = lambda v: f"{v:,.6g}",
    width: int = 900,
    height: int = 380,
) -> str:
    """A line per series over the categories, a marker at each value; a None value breaks
    the line. A legend names the series in their colours."""
    n = len(categories)
    if any(len(s.values) != n for s in series):
        raise ValueError("one value per category in every series")
    x0, y0, top_margin = 70.0, height - 60.0, 44.0
    w, h = width - x0 - 20, y0 - top_margin
    slot = w / max(n, 1)
    top = nice_scale(max((v for s in series for v in s.values if v is not None), default=0.0))[1]
    body = _axis_y(x0, y0, h, w, top, fmt, unit)

    def x_of(i: int) -> float:
        return x0 + (i + 0.5) * slot

    for k, s in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        run: list[str] = []
        for i, v in enumerate([*s.values, None]):
            if v is None:
                if len(run) > 1:
                    body.append(
                        f'<polyline class="series-{k}" fill="none" stroke="{colour}" '
                        f'stroke-width="2" points="{" ".join(run)}"/>'
                    )
                run = []
                continue
            run.append(f"{x_of(i):.2f},{y0 - h * v / top:.2f}")
        for i, v in enumerate(s.values):
            if v is not None:
                body.append(
                    f'<circle class="point series-{k}" cx="{x_of(i):.2f}" '
                    f'cy="{y0 - h * v / top:.2f}" r="3.5" fill="{colour}"><title>'
                    f"{escape(s.name)}, {escape(categories[i])}: {escape(fmt(v))}</title></circle>"
                )
    body.append(
        f'<line class="axis" x1="{x0}" y1="{y0}" x2="{x0 + w:.1f}" y2="{y0}" stroke="#333333"/>'
    )
    body += _axis_x(categories, x_of, y0)
    x = x0
    for k, s in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        body.append(
            f'<rect class="legend series-{k}" x="{x:.1f}" y="{height - 22}" width="14" '
            f'height="4" fill="{colour}"/>'
        )
        body.append(_text(x + 20, height - 16, s.name, cls="legend"))
        x += 40 + _text_width(s.name)
    return _document(width, height, title, body)


def value_axis(lo: float, hi: float) -> tuple[float, float, float]:
    """A round step and the axis ends it gives for values from ``lo`` to ``hi``: multiples of
    the step at or beyond both, with 0 always inside (a bar is measured from 0)."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo <= 0:
        return 1.0, 0.0, 4.0
    step, _ = nice_scale(hi - lo)
    return step, step * math.floor(lo / step + 1e-9), step * math.ceil(hi / step - 1e-9)


def _value_grid(x_of: Callable[[float], float], lo: float, hi: float, step: float, y0: float,
                y1: float, fmt: Callable[[float], str], unit: str) -> list[str]:  # fmt: skip
    """Vertical grid lines from ``y0`` to ``y1`` at each step of a value axis, their values
    under it, the zero line darker, and ``unit`` under the values."""
    out = []
    for k in range(round((hi - lo) / step) + 1):
        v = lo + step * k
        x = x_of(v)
        zero = abs(v) < step * 1e-9
        out.append(
            f'<line class="{"zero" if zero else "grid"}" x1="{x:.2f}" y1="{y0:.1f}" '
            f'x2="{x:.2f}" y2="{y1:.1f}" stroke="{"#333333" if zero else "#dddddd"}" '
            f'stroke-width="1"/>'
        )
        out.append(_text(x, y1 + 14, fmt(0.0 if zero else v), "middle", cls="axis"))
    out.append(_text((x_of(lo) + x_of(hi)) / 2, y1 + 30, unit, "middle", cls="axis"))
    return out


def _legend(x: float, y: float, names: Sequence[str]) -> list[str]:
    """A colour key: a swatch and a name for each part of a split bar, in palette order."""
    out = []
    for k, name in enumerate(names):
        out.append(
            f'<rect class="legend part-{k}" x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" '
            f'fill="{PALETTE[k % len(PALETTE)]}"/>'
        )
        out.append(_text(x + 14, y, name, cls="legend"))
        x += 34 + _text_width(name)
    return out


def hbars_svg(
    panels: Sequence[Panel],
    title: str,
    unit: str,
    subtitle: str = "",
    part_names: Sequence[str] = (),
    fmt: Callable[[float], str] = lambda v: f"{v:,.6g}",
    width: int = 900,
) -> str:
    """Horizontal bars, a row each, in the order given, from a zero line (to the left for a
    negative value), with each bar's note in a column on the right. Panels are stacked under
    their headings on one scale. A bar with ``parts`` is split into segments in proportion to
    them, coloured as the legend of ``part_names`` says; its outline is the ``bar``."""
    rows = [b for p in panels for b in p.bars]
    step, lo, hi = value_axis(min((b.value for b in rows), default=0.0),
                              max((b.value for b in rows), default=0.0))  # fmt: skip
    label_w = min(max((_text_width(b.label) for b in rows), default=0), 240) + 20
    note_w = max((_text_width(b.note) for b in rows), default=0) + 16
    plot_w = max(width - label_w - note_w - 12, 200)
    row_h = 24

    def x_of(v: float) -> float:
        return label_w + (v - lo) / (hi - lo) * plot_w

    body: list[str] = []
    y = 52.0 if subtitle else 36.0
    if part_names and rows:
        body += _legend(label_w, y + 12, part_names)
        y += 20
    top = y
    for panel in panels:
        if panel.heading:
            body.append(
                f'<text class="heading" x="12" y="{y + 17:.1f}" font-weight="bold">'
                f"{escape(panel.heading)}</text>"
            )
            y += row_h
        if not panel.bars:
            body.append(_text(label_w + 8 if rows else 12, y + 16, panel.empty, cls="empty"))
            y += row_h
        for bar in panel.bars:
            note = [_text(label_w + plot_w + 8, y + 16, bar.note, cls="note")] if bar.note else []
            body += ['<g class="row">', *_hbar(bar, x_of, y, row_h, label_w, part_names, fmt),
                     *note, "</g>"]  # fmt: skip
            y += row_h
    if not rows:  # nothing to measure: the panels' messages alone
        return _document(width, y + 12, title, body, subtitle)
    grid = _value_grid(x_of, lo, hi, step, top, y + 4, fmt, unit)
    return _document(label_w + plot_w + note_w, y + 44, title, grid + body, subtitle)


def _hbar(bar: Bar, x_of: Callable[[float], float], y: float, row_h: float, label_w: float,
          part_names: Sequence[str], fmt: Callable[[float], str]) -> list[str]:  # fmt: skip
    """One row of ``hbars_svg``: the label right-aligned before the plot, then the bar (its
    segments first, when split, under an outline; a part of no weight has no segment)."""
    x0, x1 = sorted((x_of(0.0), x_of(bar.value)))
    out = [_text(label_w - 8, y + 16, _clip(bar.label, label_w - 20), "end")]
    hover = f"<title>{escape(bar.label)}: {escape(fmt(bar.value))}</title>"
    total = sum(bar.parts)
    if total <= 0:
        return [
            *out,
            f'<rect class="bar" x="{x0:.2f}" y="{y + 4:.1f}" width="{x1 - x0:.2f}" '
            f'height="{row_h - 8:.1f}" fill="{PALETTE[0]}">{hover}</rect>',
        ]
    # segments from the zero line outwards, in the order of the parts
    at, sign = (x0, 1) if bar.value >= 0 else (x1, -1)
    for k, part in enumerate(bar.parts):
        w = (x1 - x0) * part / total
        if w <= 0:
            continue
        name = part_names[k] if k < len(part_names) else f"part {k + 1}"
        out.append(
            f'<rect class="part part-{k}" x="{min(at, at + sign * w):.2f}" y="{y + 4:.1f}" '
            f'width="{w:.2f}" height="{row_h - 8:.1f}" fill="{PALETTE[k % len(PALETTE)]}">'
            f"<title>{escape(bar.label)}: {escape(fmt(bar.value))}; {escape(name)} {part:,g}"
            f"</title></rect>"
        )
        at += sign * w
    out.append(
        f'<rect class="bar" x="{x0:.2f}" y="{y + 4:.1f}" width="{x1 - x0:.2f}" '
        f'height="{row_h - 8:.1f}" fill="none" stroke="#333333" stroke-width="0.5"/>'
    )
    return out


def diverging_svg(
    bars: Sequence[Bar],
    title: str,
    unit: str,
    subtitle: str = "",
    sides: tuple[str, str] = ("", ""),
    empty: str = "nothing to draw",
    fmt: Callable[[float], str] = lambda v: f"{v:,.6g}",
    width: int = 900,
) -> str:
    """Diverging bars, a row each, in the order given: from a central zero line, a positive
    value to the right (``positive`` class), a negative one to the left (``negative``), on a
    scale symmetric about zero, so the side a bar is on reads at a glance. The label is on the
    other side of the zero line, the note at the bar's end; ``sides`` name the two directions
    over the plot. ``empty`` is written when there are no bars."""
    step, _, top = value_axis(0.0, max((abs(b.value) for b in bars), default=0.0))
    note_w = max((_text_width(b.note) for b in bars), default=0) + 16
    x_l, x_r = 12 + note_w, width - 12 - note_w
    half = (x_r - x_l) / 2
    row_h = 24

    def x_of(v: float) -> float:
        return x_l + (v + top) / (2 * top) * (x_r - x_l)

    y = 52.0 if subtitle else 36.0
    body: list[str] = []
    if not bars:  # nothing to measure: the message alone
        body.append(_text(12, y + 16, empty, cls="empty"))
        return _document(width, y + row_h + 12, title, body, subtitle)
    if any(sides):
        body.append(_text(x_l, y + 14, f"← {sides[0]}" if sides[0] else "", cls="side"))
        body.append(_text(x_r, y + 14, f"{sides[1]} →" if sides[1] else "", "end", cls="side"))
        y += 22
    first = y
    for bar in bars:
        right = bar.value >= 0
        x0, x1 = sorted((x_of(0.0), x_of(bar.value)))
        label = _clip(bar.label, half - 12)
        body.append('<g class="row">')
        body.append(_text(x_of(0.0) + (-6 if right else 6), y + 16, label,
                          "end" if right else "start"))  # fmt: skip
        body.append(
            f'<rect class="bar {"positive" if right else "negative"}" x="{x0:.2f}" '
            f'y="{y + 4:.1f}" width="{x1 - x0:.2f}" height="{row_h - 8:.1f}" '
            f'fill="{PALETTE[0] if right else PALETTE[1]}"><title>{escape(bar.label)}: '
            f"{escape(fmt(bar.value))}</title></rect>"
        )
        if bar.note:
            body.append(_text(x1 + 6 if right else x0 - 6, y + 16, bar.note,
                              "start" if right else "end", cls="note"))  # fmt: skip
        body.append("</g>")
        y += row_h
    grid = _value_grid(x_of, -top, top, step, first, y + 4, fmt, unit)
    return _document(width, y + 44, title, grid + body, subtitle)
