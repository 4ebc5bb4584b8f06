"""Dates as kscorpus takes them: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, real calendar dates
only (2021-02-30 and 2021-13 are refused), so that comparing them as text orders them."""

from __future__ import annotations

import datetime
import re

_SHAPE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def date_problem(value: str) -> str | None:
    """Why ``value`` is not a date kscorpus accepts (None if it is one)."""
    m = _SHAPE.match(value)
    if not m:
        return "must be YYYY, YYYY-MM or YYYY-MM-DD"
    year, month, day = m.groups()
    if month is not None and not 1 <= int(month) <= 12:
        return f"has no month {month}"
    if day is not None:
        try:
            datetime.date(int(year), int(month), int(day))
        except ValueError:
            return f"is not a day of the calendar ({year}-{month} has no day {day})"
    return None
