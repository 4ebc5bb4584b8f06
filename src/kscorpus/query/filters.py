"""Metadata filters shared by search, kwic and export: language, script, date range, event and
publisher, all decided on the manifest fields the index keeps for every article."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from kscorpus.dates import date_problem
from kscorpus.errors import QueryError

SCRIPTS = ("Hans", "Hant", "Latn")


@dataclass(frozen=True)
class Filters:
    """Empty fields do not filter. Dates compare as text on the given precision, so
    ``since="2022"`` admits 2022-05-13 and ``until="2022-05"`` admits 2022-05-31."""

    lang: str | None = None
    script: str | None = None
    since: str | None = None
    until: str | None = None
    event: str | None = None
    publisher: str | None = None

    def __post_init__(self) -> None:
        if self.lang is not None and self.lang not in ("zh", "en"):
            raise QueryError(f"--lang must be zh or en, not {self.lang!r}")
        if self.script is not None and self.script not in SCRIPTS:
            raise QueryError(f"--script must be one of {', '.join(SCRIPTS)}, not {self.script!r}")
        for name in ("since", "until"):
            value = getattr(self, name)
            problem = None if value is None else date_problem(value)
            if problem:
                raise QueryError(f"--{name} {value!r} {problem}")

    def active(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))

    def admits(self, article: dict[str, Any]) -> bool:
        date = article.get("date") or ""
        return (
            (self.lang is None or article["lang"] == self.lang)
            and (self.script is None or article["script"] == self.script)
            and (self.since is None or (bool(date) and date[: len(self.since)] >= self.since))
            and (self.until is None or (bool(date) and date[: len(self.until)] <= self.until))
            and _contains(article.get("event"), self.event)
            and _contains(article.get("publisher"), self.publisher)
        )

    def ids(self, articles: Iterable[dict[str, Any]]) -> list[str]:
        return [a["id"] for a in articles if self.admits(a)]


def _contains(value: str | None, wanted: str | None) -> bool:
    return wanted is None or (value is not None and wanted.casefold() in value.casefold())


def facets(articles: Iterable[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Counts of articles by year, language and event (for ``search --facets``)."""
    rows = list(articles)
    return {
        "year": dict(sorted(Counter((a.get("date") or "unknown")[:4] for a in rows).items())),
        "lang": dict(Counter(a["lang"] for a in rows).most_common()),
        "event": dict(Counter(a.get("event") or "unknown" for a in rows).most_common()),
    }
