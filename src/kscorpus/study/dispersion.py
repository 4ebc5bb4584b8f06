"""Dispersion: where in each article a term falls, and how evenly it spreads over the corpus.

The parts are the articles. They are the corpus's own divisions (a term that a few articles
are about is what a dispersion measure should find), and the index knows every article's
length, so nothing is re-read; equal-sized segments would cut across articles and mix
their topics. Articles differ in length, so each part's frequency is taken relative to its
size (with parts of equal size that is the textbook formula); DP (Gries 2008) is given
beside D because it was designed for parts of unequal size and stays informative with many
of them, where Juilland's D crowds towards 1 (Biber, Reppen, Schnur & Ghanem 2016).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kscorpus.index.store import IndexHandle
from kscorpus.query.filters import Filters
from kscorpus.study.occurrences import find


def juilland_d(freqs: Sequence[float], sizes: Sequence[float] | None = None) -> float | None:
    """Juilland's D = 1 − V / √(n − 1), V the coefficient of variation (population standard
    deviation over the mean) of the parts' frequencies, each divided by its part's size when
    ``sizes`` are given. 1 is perfectly even, 0 all in one part; None for fewer than two
    parts, or when the term never occurs (D is undefined there)."""
    n = len(freqs)
    if sizes is not None:
        if len(sizes) != n:
            raise ValueError("one size per part")
        if any(s <= 0 for s in sizes):
            raise ValueError("every part needs a positive size")
        freqs = [f / s for f, s in zip(freqs, sizes)]
    if n < 2 or not any(freqs):
        return None
    mean = sum(freqs) / n
    sd = math.sqrt(sum((f - mean) ** 2 for f in freqs) / n)
    return min(max(1 - (sd / mean) / math.sqrt(n - 1), 0.0), 1.0)  # rounding: never -0.0


def gries_dp(freqs: Sequence[float], sizes: Sequence[float]) -> float | None:
    """Gries's DP: half the sum of |observed share − expected share| over the parts, the
    expected share being the part's share of the corpus. 0 is as even as the part sizes
    allow, towards 1 all in one small part; None when the term never occurs."""
    if len(sizes) != len(freqs):
        raise ValueError("one size per part")
    total, size = sum(freqs), sum(sizes)
    if total == 0 or size <= 0:
        return None
    return 0.5 * sum(abs(f / total - s / size) for f, s in zip(freqs, sizes))


@dataclass(frozen=True)
class ArticleHits:
    """The hits of one article: ``spans`` are character offsets into its cleaned text (as
    ``kwic`` and ``show`` have it), ``chars`` its length, ``tokens`` its size as indexed."""

    id: str
    lang: str
    date: str | None
    title: str
    chars: int
    tokens: int
    spans: list[tuple[int, int]]

    @property
    def positions(self) -> list[float]:
        """Each hit's place in the article, 0 its start, 1 its end (by characters)."""
        return [s / self.chars if self.chars else 0.0 for s, _ in self.spans]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "lang": self.lang,
            "date": self.date,
            "title": self.title,
            "chars": self.chars,
            "tokens": self.tokens,
            "count": len(self.spans),
            "per_million": round(len(self.spans) / self.tokens * 1e6, 2) if self.tokens else None,
            "hits": [
                {"start": s, "end": e, "position": round(p, 6)}
                for (s, e), p in zip(self.spans, self.positions)
            ],
        }


@dataclass(frozen=True)
class Dispersion:
    """A term's hits by article and its dispersion over the ``parts`` articles searched."""

    term: str
    normalized: str
    method: str
    parts: int
    tokens: int
    total: int
    range: int
    juilland_d: float | None
    dp: float | None
    articles: list[ArticleHits]  # those with hits, in corpus order (at most ``limit``)

    def to_json(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "normalized": self.normalized,
            "method": self.method,
            "parts": self.parts,
            "tokens": self.tokens,
            "total": self.total,
            "range": self.range,
            "per_million": round(self.total / self.tokens * 1e6, 2) if self.tokens else None,
            "juilland_d": None if self.juilland_d is None else round(self.juilland_d, 6),
            "dp": None if self.dp is None else round(self.dp, 6),
            "articles": [a.to_json() for a in self.articles],
        }


def dispersion(
    handle: IndexHandle,
    term: str,
    filters: Filters | None = None,
    limit: int | None = None,
) -> Dispersion:
    """Where ``term`` occurs in each article ``filters`` admits (the occurrences ``kwic``
    shows), with range (articles holding it), Juilland's D and DP over those articles, each
    sized by its indexed tokens. Articles of no tokens (empty after cleaning) are no part.
    ``limit`` caps the articles listed, not the statistics."""
    occ = find(handle, term, filters)
    parts = [a for a in occ.articles if a.get("tokens")]
    freqs = [occ.count(a["id"]) for a in parts]
    sizes = [a["tokens"] for a in parts]
    listed = [
        ArticleHits(
            a["id"],
            a["lang"],
            a.get("date"),
            a["title"],
            a["chars"],
            a["tokens"],
            occ.spans[a["id"]],
        )
        for a in occ.articles
        if a["id"] in occ.spans
    ]
    return Dispersion(
        term=term,
        normalized=occ.normalized,
        method=occ.method,
        parts=len(parts),
        tokens=sum(sizes),
        total=occ.total,
        range=sum(1 for f in freqs if f),
        juilland_d=juilland_d(freqs, sizes),
        dp=gries_dp(freqs, sizes),
        articles=listed if limit is None else listed[:limit],
    )
