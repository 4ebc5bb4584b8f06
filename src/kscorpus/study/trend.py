"""Frequency over time: a term's occurrences per million tokens, by year or by month.

The occurrences are ``kwic``'s (``study.occurrences``, through the index); a period's
denominator is the indexed tokens of every article dated in it (``articles.json``), so a
period of few articles weighs its hits against few tokens and does not look big for having
some. Articles without a date (and, by month, those dated by year only) cannot be placed:
they are counted apart and reported, never dropped silently.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kscorpus.errors import QueryError
from kscorpus.index.store import IndexHandle
from kscorpus.query.filters import Filters
from kscorpus.study.occurrences import find

BY = ("year", "month")
MAX_TERMS = 7  # lines a chart can still tell apart


@dataclass(frozen=True)
class Period:
    """One period (``2022``, ``2022-05``) or a group counted apart (``no date``)."""

    period: str
    articles: int
    tokens: int
    counts: tuple[int, ...]  # one per term, in the order given

    @property
    def per_million(self) -> tuple[float | None, ...]:
        """Occurrences per million tokens; None where the period has no tokens."""
        return tuple(c / self.tokens * 1e6 if self.tokens else None for c in self.counts)

    def to_json(self, terms: Sequence[str]) -> dict[str, Any]:
        return {
            "period": self.period,
            "articles": self.articles,
            "tokens": self.tokens,
            "counts": dict(zip(terms, self.counts)),
            "per_million": {
                t: None if v is None else round(v, 2) for t, v in zip(terms, self.per_million)
            },
        }


@dataclass(frozen=True)
class Trend:
    terms: list[str]
    normalized: list[str]
    by: str
    periods: list[Period]  # every period from the first to the last, empty ones included
    apart: list[Period]  # "no date", and by month "year only": articles not placed in time

    def to_json(self) -> dict[str, Any]:
        return {
            "terms": self.terms,
            "normalized": self.normalized,
            "by": self.by,
            "periods": [p.to_json(self.terms) for p in self.periods],
            "apart": [p.to_json(self.terms) for p in self.apart],
        }

    def to_csv(self) -> str:
        """A row per period: its articles and tokens, then each term's count and its rate
        per million (empty where the period has no articles)."""
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(
            ["period", "articles", "tokens"]
            + [c for t in self.terms for c in (t, f"{t} per million")]
        )
        for p in self.periods:
            row: list[Any] = [p.period, p.articles, p.tokens]
            for c, v in zip(p.counts, p.per_million):
                row += [c, "" if v is None else f"{v:.2f}"]
            w.writerow(row)
        return out.getvalue()


def trend(
    handle: IndexHandle,
    terms: Sequence[str],
    by: str = "year",
    filters: Filters | None = None,
) -> Trend:
    """The occurrences of each of ``terms`` per million tokens in each period (``by`` year or
    month) of the articles ``filters`` admits."""
    if by not in BY:
        raise QueryError(f"--by must be year or month, not {by!r}")
    if not terms:
        raise QueryError("give at least one term, e.g. kscorpus trend 快品牌 信任电商")
    if len(terms) > MAX_TERMS:
        raise QueryError(f"at most {MAX_TERMS} terms at once, not {len(terms)}")
    found = [find(handle, t, filters) for t in terms]
    normalized = [o.normalized for o in found]
    for i, n in enumerate(normalized):
        if n in normalized[:i]:
            raise QueryError(f"{terms[i]!r} is the same term as {terms[normalized.index(n)]!r}")
    width = 4 if by == "year" else 7
    groups: dict[str, list[dict[str, Any]]] = {}
    for a in found[0].articles:
        date = a.get("date") or ""
        key = date[:width] if len(date) >= width else ("no date" if not date else "year only")
        groups.setdefault(key, []).append(a)

    def period(key: str) -> Period:
        arts = groups.get(key, [])
        return Period(
            key,
            len(arts),
            sum(a.get("tokens", 0) for a in arts),
            tuple(sum(o.count(a["id"]) for a in arts) for o in found),
        )

    dated = sorted(k for k in groups if k not in ("no date", "year only"))
    keys = _span(dated[0], dated[-1], by) if dated else []
    apart = [period(k) for k in ("no date", "year only") if k in groups]
    return Trend(list(terms), normalized, by, [period(k) for k in keys], apart)


def _span(first: str, last: str, by: str) -> list[str]:
    """Every period from ``first`` to ``last``: years ``2021``, or months ``2021-11``."""
    if by == "year":
        return [str(y) for y in range(int(first), int(last) + 1)]
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
