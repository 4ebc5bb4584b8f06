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
