"""The data a chart is drawn from, the same for the terminal and for SVG."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Strip:
    """One row of a dispersion plot: ``positions`` are the hits' places in the text, each in
    [0, 1] (0 its start, 1 its end); ``note`` is shown after the row (a count, say)."""

    label: str
    positions: tuple[float, ...]
    note: str = ""


@dataclass(frozen=True)
class Series:
    """One line of a line chart: a value per category, None where there is none (a period
    without articles is a gap, not a zero)."""

    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Bar:
    """One bar of a horizontal or diverging bar chart: ``value`` is its length (its sign, the
    side of the zero line it lies on), ``note`` is shown beside it, and ``parts``, when given,
    split it in proportion to their weights (a collocate's counts left and right of the term)."""

    label: str
    value: float
    note: str = ""
    parts: tuple[float, ...] = ()


@dataclass(frozen=True)
class Panel:
    """A group of bars under a heading; a chart stacks its panels on one scale, so they compare.
    ``empty`` is written in place of bars when there are none."""

    heading: str
    bars: tuple[Bar, ...]
    empty: str = "nothing to draw"
