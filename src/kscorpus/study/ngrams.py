"""Word n-grams: the commonest sequences of n words inside a paragraph, or the clusters around
a term (AntConc's clusters: the n-word sequences that hold it), with their frequency and range
(how many articles hold them), counted from the word-sequence store (``index.wordseq``)."""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from kscorpus.errors import QueryError
from kscorpus.index import wordfreq, wordseq
from kscorpus.index.whoosh_fast import column_values_at
from kscorpus.query.filters import Filters
from kscorpus.study import ngramcache
from kscorpus.study.collocates import holding, holds, needle, node_terms
from kscorpus.study.forms import shown, surface_forms
from kscorpus.study.selection import describe, select, whole
from kscorpus.study.stopwords import is_stop_word

SIZES = range(2, 6)
Gram = tuple[tuple[str, ...], int, int]  # terms, frequency, range


@dataclass(frozen=True)
class NGram:
    terms: tuple[str, ...]  # as indexed
    text: str  # as shown: Chinese joined, English stems as their commonest word
    freq: int
    range: int  # articles holding it

    def to_json(self) -> dict[str, Any]:
        return {
            "terms": list(self.terms),
            "text": self.text,
            "freq": self.freq,
            "range": self.range,
        }


@dataclass(frozen=True)
class NGrams:
    n: int
    around: str | None
    node: tuple[str, ...] | None
    tokens: int  # in the selection
    articles: int  # in the selection that hold any word
    distinct: int  # n-grams passing --min-freq and --min-range, before --top
    ngrams: list[NGram]
    selection: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "around": self.around,
            "node": list(self.node) if self.node is not None else None,
            "tokens": self.tokens,
            "articles": self.articles,
            "distinct": self.distinct,
            "selection": self.selection,
            "ngrams": [g.to_json() for g in self.ngrams],
        }


def count_ngrams(
    passages: Any, n: int, node: tuple[str, ...] | None = None
) -> tuple[Counter[bytes], Counter[bytes], int, int]:
    """Frequency and range of every n-gram of ``passages`` (``(article id, pno, value)`` with
    each article's passages together; an n-gram is its UTF-8 terms joined by spaces), only
    those holding ``node`` when given; and the tokens and articles seen. The n-grams are made
    and counted in C (``zip``, ``join``, ``Counter``): this loop is over passages, not words."""
    freq: Counter[bytes] = Counter()
    rng: Counter[bytes] = Counter()
    here: set[bytes] = set()
    tokens = articles = 0
    last = None
    wanted = needle(node) if node else b""
    want = tuple(t.encode("utf-8") for t in node) if node else ()
    for aid, _, value in passages:
        if aid != last:
            rng.update(here)
            here = set()
            last = aid
            articles += 1
        if not value:
            continue
        words = value.split(b" ")
        tokens += len(words)
        if node is None:
            grams = list(map(b" ".join, zip(*(words[i:] for i in range(n)))))
        elif holds(value, wanted):
            k, starts = len(want), set()
            for i in range(len(words) - k + 1):  # every n-word run holding the node
                if words[i] == want[0] and tuple(words[i : i + k]) == want:
                    starts.update(range(max(0, i + k - n), min(i, len(words) - n) + 1))
            grams = [b" ".join(words[s : s + n]) for s in sorted(starts)]
        else:
            continue
        freq.update(grams)
        here.update(grams)
    rng.update(here)
    return freq, rng, tokens, articles


def ngrams(
    handle: Any,
    n: int = 2,
    around: str | None = None,
    min_freq: int = 2,
    min_range: int = 1,
    top: int = 20,
    stop_words: bool = False,
    filters: Filters | None = None,
    ids: list[str] | None = None,
) -> NGrams:
    """The ``top`` n-grams by frequency (then range, then the words), or with ``around`` the
    clusters of n words holding that term. Unless ``stop_words``, an n-gram that begins or
    ends with a stop word is left out (of 的发展, 在直播: they head any list otherwise)."""
    if n not in SIZES:
        raise QueryError(f"-n/--size must be 2 to 5, not {n}")
    node = None
    shown_around = None
    if around is not None:
        shown_around, node = node_terms(handle, around)
        if len(node) >= n:
            raise QueryError(
                f"--around {around!r} is {len(node)} words; clusters must be longer: give -n "
                f"{len(node) + 1} or more (at most 5)"
            )
    lang = filters.lang if filters else None
    found = None
    if whole(filters, ids):
        if node is None:
            found = _whole(handle, n, lang, stop_words, min_freq, min_range, top)
        else:
            found = _around(handle, n, node, lang, stop_words, min_freq, min_range, top)
    if found is None:
        chosen = select(handle, filters, ids)
        freq, rng, tokens, articles = count_ngrams(wordseq.passages(handle, chosen), n, node)
        found = (tokens, articles, *_best(freq, rng, stop_words, min_freq, min_range, top))
    tokens, articles, distinct, grams = found
    best = [g for g, _, _ in grams]
    forms = surface_forms(handle, best)
    return NGrams(
        n=n,
        around=shown_around,
        node=node,
        tokens=tokens,
        articles=articles,
        distinct=distinct,
        ngrams=[NGram(g, shown(g, forms), f, r) for g, f, r in grams],
        selection=describe(filters, ids),
    )


def _best(
    freq: Counter[bytes],
    rng: Counter[bytes],
    stop_words: bool,
    min_freq: int,
    min_range: int,
    top: int,
) -> tuple[int, list[Gram]]:
    """How many n-grams of a count pass the minimums (and the stop words), and the ``top``
    of them by frequency, then range, then the words."""
    counts: dict[tuple[str, ...], tuple[int, int]] = {}
    for b, f in freq.items():
        if f >= min_freq and rng[b] >= min_range:
            g = tuple(b.decode("utf-8").split(" "))
            if stop_words or not (is_stop_word(g[0]) or is_stop_word(g[-1])):
                counts[g] = (f, rng[b])
    best = heapq.nsmallest(top, counts, key=lambda g: (-counts[g][0], -counts[g][1], g))
    return len(counts), [(g, *counts[g]) for g in best]


def _whole(
    handle: Any,
    n: int,
    lang: str | None,
    stop_words: bool,
    min_freq: int,
    min_range: int,
    top: int,
) -> tuple[int, int, int, list[Gram]] | None:
    """The n-grams of every passage (of ``lang``) from the counts kept for the index's state
    (``ngramcache``), counted and kept first if there are none; None where the kept counts
    cannot answer exactly."""
    kept = ngramcache.load(handle, n, lang)
    if kept is not None:
        answer = kept.answer(stop_words, min_freq, min_range, top)
        return None if answer is None else (kept.tokens, kept.articles, *answer)
    chosen = select(handle, Filters(lang=lang)) if lang else None
    freq, rng, tokens, articles = count_ngrams(wordseq.passages(handle, chosen), n)
    answer = ngramcache.keep(handle, n, lang, freq, rng, tokens, articles).answer(
        stop_words, min_freq, min_range, top
    )
    if answer is None:  # the full count is at hand
        answer = _best(freq, rng, stop_words, min_freq, min_range, top)
    return (tokens, articles, *answer)


def _around(
    handle: Any,
    n: int,
    node: tuple[str, ...],
    lang: str | None,
    stop_words: bool,
    min_freq: int,
    min_range: int,
    top: int,
) -> tuple[int, int, int, list[Gram]]:
    """The clusters of ``node`` in every passage (of ``lang``), read only from the passages
    whose postings hold its first word; the tokens and articles from the word tables."""
    found = list(holding(handle, node[0], lang))
    owners: list[bytes] = []
    for leaf, group in groupby(found, key=lambda x: x[0]):
        owners.extend(column_values_at(leaf, "id", [d for _, d, _ in group]))
    passages = [(o.decode("utf-8"), 0, v) for o, (_, _, v) in zip(owners, found)]
    freq, rng, _, _ = count_ngrams(passages, n, node)
    tokens = wordfreq.live_tokens(handle, lang)
    articles = wordfreq.live_articles(handle, lang)
    return (tokens, articles, *_best(freq, rng, stop_words, min_freq, min_range, top))
