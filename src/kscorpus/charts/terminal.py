"""Charts as lines of text for a terminal: Unicode blocks and box-drawing characters.

A line is a list of ``(text, style)`` pieces. The style is a name (``STYLES``) that a renderer
may colour or ignore: the characters alone carry the chart (markers differ by series), so the
plain text a pipe or ``NO_COLOR`` gets reads the same. Widths are in terminal cells (a Chinese
character takes two).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence

from kscorpus.charts.model import Series, Strip

Piece = tuple[str, str | None]
Line = list[Piece]
# label: row and axis labels; track: a dispersion row's empty stretch; hit: a hit's tick;
# bar: a bar; value: the number after a bar; axis: axes and scales; series-N: line N
STYLES = ("label", "track", "hit", "bar", "value", "axis", "muted")
MARKERS = "●■▲◆▼○"  # one per series of a line chart, in order (then they repeat)
_EIGHTHS = " ▏▎▍▌▋▊▉█"
MAX_LABEL = 24  # cells: longer labels are cut with …


def cells(text: str) -> int:
    """Terminal cells: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def fit(text: str, width: int) -> str:
    """``text`` padded or cut (with …) to exactly ``width`` cells."""
    if cells(text) <= width:
        return text + " " * (width - cells(text))
    out, used = [], 1
    for ch in text:
        if used + cells(ch) > width:
            break
        out.append(ch)
        used += cells(ch)
    return "".join(out) + "…" + " " * (width - used)


def plain(line: Line) -> str:
    """A line's text without its styles."""
    return "".join(text for text, _ in line)


def _label_width(labels: Sequence[str]) -> int:
    return min(max((cells(label) for label in labels), default=0), MAX_LABEL)


def strips(rows: Sequence[Strip], width: int = 60) -> list[Line]:
    """A dispersion plot (AntConc's concordance plot): a row per text, its length drawn as a
    track ``width`` cells long, each hit a tick where it falls. A cell is two half-cells
    (▌ ▐, both █), so ticks are placed to 1/(2·width) of the text."""
    if width < 1:
        raise ValueError("width must be at least 1")
    lead = _label_width([r.label for r in rows])
    out: list[Line] = []
    for row in rows:
        halves = [False] * (2 * width)
        for p in row.positions:
            halves[min(max(int(p * 2 * width), 0), 2 * width - 1)] = True
        line: Line = [(fit(row.label, lead) + " ", "label"), ("│", "axis")]
        for c in range(width):
            left, right = halves[2 * c], halves[2 * c + 1]
            line.append(("█" if left and right else "▌" if left else "▐" if right else "─",
                         "hit" if left or right else "track"))  # fmt: skip
        line.append(("│", "axis"))
        if row.note:
            line.append((" " + row.note, "value"))
        out.append(_merged(line))
    scale = "start" + " " * max(width - 8, 1) + "end"
    out.append([(" " * (lead + 2) + scale, "muted")])
    return out


def bars(
    labels: Sequence[str],
    values: Sequence[float | None],
    width: int = 50,
    fmt: Callable[[float], str] = lambda v: f"{v:,.1f}",
    missing: str = "no articles",
    notes: Sequence[str] | None = None,
) -> list[Line]:
    """Horizontal bars, one a row, the longest ``width`` cells, drawn to an eighth of a cell
    (▏…█), each followed by its value (``fmt``) and note. A value of None is written as
    ``missing`` instead of a bar (a zero is a zero)."""
    if len(labels) != len(values) or (notes is not None and len(notes) != len(values)):
        raise ValueError("one value (and note) per label")
    top = max((v for v in values if v is not None), default=0.0)
    lead = _label_width(labels)
    out: list[Line] = []
    for i, (label, v) in enumerate(zip(labels, values)):
        line: Line = [(fit(label, lead) + " ", "label"), ("│", "axis")]
        if v is None:
            line.append((" " + missing, "muted"))
        else:
            eighths = round(v / top * width * 8) if top > 0 else 0
            full, part = divmod(eighths, 8)
            line.append(("█" * full + (_EIGHTHS[part] if part else ""), "bar"))
            line.append((" " + fmt(v), "value"))
        if notes is not None and notes[i]:
            line.append(("  " + notes[i], "muted"))
        out.append(line)
    return out


def lines(
    categories: Sequence[str],
    series: Sequence[Series],
    height: int = 10,
    width: int = 60,
    fmt: Callable[[float], str] = lambda v: f"{v:,.0f}",
) -> list[Line]:
    """A line chart: categories along the bottom, ``height`` rows of values (0 at the bottom),
    each series drawn with its own marker (``MARKERS``) at its values and dots between them.
    A None value leaves a gap. Where two series meet in one cell, ``*`` marks it. The plot
    is ``width`` cells wide or, with more categories than that, a cell per category."""
    n = len(categories)
    if any(len(s.values) != n for s in series):
        raise ValueError("one value per category in every series")
    if height < 2:
        raise ValueError("height must be at least 2")
    step = max(1, width // max(n, 1))
    cols = max(step * n, 1)
    top = max((v for s in series for v in s.values if v is not None), default=0.0)
    grid: list[list[Piece | None]] = [[None] * cols for _ in range(height)]

    def row_of(v: float) -> float:
        return v / top * (height - 1) if top > 0 else 0.0

    met = False  # did two series' markers meet in a cell?

    def put(r: int, c: int, piece: Piece, strong: bool) -> None:
        nonlocal met
        here = grid[r][c]
        if here is None or (strong and here[0] == "·"):
            grid[r][c] = piece
        elif strong and here[1] != piece[1]:
            grid[r][c] = ("*", "axis")
            met = True

    for k, s in enumerate(series):
        style = f"series-{k}"
        marker = MARKERS[k % len(MARKERS)]
        xs = [i * step + step // 2 for i in range(n)]
        for i in range(n - 1):
            a, b = s.values[i], s.values[i + 1]
            if a is None or b is None:
                continue
            for c in range(xs[i] + 1, xs[i + 1]):
                t = (c - xs[i]) / (xs[i + 1] - xs[i])
                put(round(row_of(a + (b - a) * t)), c, ("·", style), False)
        for i, v in enumerate(s.values):
            if v is not None:
                put(round(row_of(v)), xs[i], (marker, style), True)

    ticks = {height - 1: fmt(top), (height - 1) // 2: fmt(top / 2), 0: fmt(0)}
    lead = max(cells(t) for t in ticks.values())
    out: list[Line] = []
    for r in range(height - 1, -1, -1):
        tick = ticks.get(r, "")
        line: Line = [(" " * (lead - cells(tick)) + tick + " ", "label")]
        line.append(("┤" if r in ticks else "│", "axis"))
        line.extend(piece or (" ", None) for piece in grid[r])
        out.append(_merged(line))
    out.append([(" " * (lead + 1) + "└" + "─" * cols, "axis")])
    out.append([(" " * (lead + 2) + _x_labels(categories, step), "label")])
    legend: Line = [(" " * (lead + 2), None)]
    for k, s in enumerate(series):
        legend.append((f"{MARKERS[k % len(MARKERS)]} {s.name}", f"series-{k}"))
        legend.append(("   ", None))
    if met:
        legend.append(("* several", "axis"))
    else:
        legend.pop()
    out.append(_merged(legend))
    return out


def _x_labels(categories: Sequence[str], step: int) -> str:
    """The categories' labels centred under their markers (column ``i·step + step//2``), as
    many as fit with a space between them: every k-th, the same k throughout."""
    if not categories:
        return ""
    widest = max(cells(c) for c in categories) + 1
    every = max(1, math.ceil(widest / step))
    row: list[str] = []
    for i in range(0, len(categories), every):
        label = categories[i]
        at = max(i * step + step // 2 - cells(label) // 2, len(row))
        row.extend(" " * (at - len(row)))
        row.extend(label)
    return "".join(row)


def _merged(line: Line) -> Line:
    """Neighbouring pieces of one style joined (fewer pieces for a renderer to style)."""
    out: Line = []
    for text, style in line:
        if out and out[-1][1] == style:
            out[-1] = (out[-1][0] + text, style)
        else:
            out.append((text, style))
    return out
