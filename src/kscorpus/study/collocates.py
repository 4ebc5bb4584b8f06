"""Collocates: the words that occur near a term, within a window of words inside a paragraph,
scored by an association measure (``study.measures``).

Everything is counted from the word-sequence store (``index.wordseq``). Over a whole language,
or whole years of it (no filter but the language and ``--since``/``--until YYYY``, no
``--ids``), every word's frequency (f_y) and the number of tokens (N) come from the
per-segment tables (``index.wordfreq``) and the windows (f_xy, f_x) are read only in the
passages whose postings hold the node's first word; with another selection, one pass over its
passages counts everything. Words are as indexed: jieba words,
English stems, English stop words never counted (not even in the window: a window of 5 is 5
indexed words).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from kscorpus.errors import QueryError
from kscorpus.index import wordfreq, wordseq
from kscorpus.index.analysis import tokens
from kscorpus.index.whoosh_fast import column_values_at, doc_ids
from kscorpus.ingest.segment import HAN
from kscorpus.query.filters import Filters
from kscorpus.query.search import normalize_query
from kscorpus.study.forms import shown, surface_forms
from kscorpus.study.measures import MEASURES, Table
from kscorpus.study.selection import describe, select, years
from kscorpus.study.stopwords import is_stop_word

SIDES = ("both", "left", "right")


@dataclass(frozen=True)
class Collocate:
    """One word near the node: ``f_xy`` times in its windows (``left`` + ``right``), ``f_y``
    times in the selection; ``scores`` holds every measure, ``score`` the chosen one."""

    term: str  # as indexed
    f_xy: int
    left: int
    right: int
    f_y: int
    score: float
    scores: dict[str, float]
    text: str = ""  # as shown: an English stem as its commonest word (``study.forms``)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Collocation:
    """The collocates of ``node`` (its indexed terms) in a selection of ``tokens`` tokens,
    where it occurs ``f_x`` times."""

    term: str
    node: tuple[str, ...]
    lang: str | None
    measure: str
    window: tuple[int, int]
    by: str
    f_x: int
    tokens: int
    collocates: list[Collocate]
    selection: dict[str, Any] = field(default_factory=dict)
    cross: list[Collocation] = field(default_factory=list)  # of translations (``--cross``)

    def to_json(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "node": list(self.node),
            "lang": self.lang,
            "measure": self.measure,
            "window": list(self.window),
            "by": self.by,
            "f_x": self.f_x,
            "tokens": self.tokens,
            "selection": self.selection,
            "collocates": [c.to_json() for c in self.collocates],
            "cross": [c.to_json() for c in self.cross],
        }


def node_terms(handle: Any, term: str) -> tuple[str, tuple[str, ...]]:
    """``term`` normalized like a query, and its indexed terms on the main path."""
    normalized = normalize_query(term, handle.convertible())
    userdict = handle.passages.schema["text"].analyzer.userdict
    node = tuple(t[0] for t in tokens(normalized, userdict, subwords=False, fast=True))
    if not node:
        raise QueryError(
            f"{term!r} has no indexed word (English stop words such as 'the' are not indexed); "
            "give a word of the corpus, e.g. kscorpus collocates 直播"
        )
    return normalized, node


def occurrences(seq: list[str], node: tuple[str, ...]) -> list[int]:
    """Where ``node`` starts in ``seq`` (its words in a row): its first word found by
    ``list.index``, in C."""
    k, first = len(node), node[0]
    out, i = [], -1
    while True:
        try:
            i = seq.index(first, i + 1)
        except ValueError:
            return out
        if k == 1 or tuple(seq[i : i + k]) == node:
            out.append(i)


def needle(node: tuple[str, ...]) -> bytes:
    """What ``holds`` looks for: the node's words in a row, between spaces."""
    return f" {wordseq.SEP.join(node)} ".encode()


def holds(value: bytes, wanted: bytes) -> bool:
    """Whether an encoded passage holds the words of ``needle``'s node in a row (a test of
    the bytes: a word that merely begins with the node's first word does not count)."""
    return wanted in b" " + value + b" "


class WordCounts(Protocol):
    """A word's frequency by its UTF-8 bytes (0 when absent): a ``Counter`` of a pass, or
    the per-segment tables (``wordfreq.Frequencies``)."""

    def __getitem__(self, word: bytes) -> int: ...


@dataclass
class Counts:
    """What is counted for a node: its windows, and every word's frequency (f_y)."""

    f_x: int = 0
    tokens: int = 0
    window_tokens: int = 0
    left: Counter[str] = field(default_factory=Counter)
    right: Counter[str] = field(default_factory=Counter)
    freq: WordCounts = field(default_factory=Counter)


def count(
    values: Iterable[tuple[bytes, bool]],
    node: tuple[str, ...],
    window: tuple[int, int],
    by: str = "both",
) -> Counts:
    """Count every word's frequency over encoded passages, and ``node``'s windows in those
    flagged True (all of them, but for ``--cross``: the aligned paragraphs only)."""
    left, right = (window[0] if by != "right" else 0), (window[1] if by != "left" else 0)
    out = Counts()
    wanted = needle(node)
    k = len(node)
    batch: list[bytes] = []
    for value, windows in values:
        if not value:
            continue
        batch.append(value)
        if len(batch) >= 4096:
            _tally(out, batch)
        if windows and holds(value, wanted):
            seq = wordseq.decode(value)
            starts = occurrences(seq, node)
            if starts:
                _windows(out, seq, starts, k, left, right)
    _tally(out, batch)
    return out


def count_indexed(
    handle: Any,
    node: tuple[str, ...],
    window: tuple[int, int],
    by: str,
    lang: str,
    years: wordfreq.Years = None,
) -> Counts:
    """``count`` over every live passage of ``lang`` (of the articles whose year ``years``
    admits), without the pass: f_y and N from the per-segment word tables, windows only in
    the passages whose postings name the node's first word (a superset of those holding it as
    a word of the sequence: the postings add the sub-words of longer words)."""
    values = (v for _, _, v in holding(handle, node[0], lang, years))
    return count_in(values, node, window, by, wordfreq.live(handle, lang, years))


def count_in(
    values: Iterable[bytes],
    node: tuple[str, ...],
    window: tuple[int, int],
    by: str,
    freq: wordfreq.Frequencies,
) -> Counts:
    """The windows of ``node`` in ``values`` (encoded passages), with every word's frequency
    and the tokens from ``freq``."""
    left, right = (window[0] if by != "right" else 0), (window[1] if by != "left" else 0)
    out = Counts(tokens=freq.tokens, freq=freq)
    wanted = needle(node)
    for value in values:
        if holds(value, wanted):
            seq = wordseq.decode(value)
            starts = occurrences(seq, node)
            if starts:
                _windows(out, seq, starts, len(node), left, right)
    return out


def holding(
    handle: Any, word: str, lang: str | None, years: wordfreq.Years = None
) -> Iterator[tuple[Any, int, bytes]]:
    """``(segment reader, document number, encoded words)`` of the live passages (of
    ``lang``, of the years ``years`` admits) whose postings hold ``word``: every passage with
    it in its sequence, and some with it only inside a longer word."""
    probe = word.encode("utf-8")
    for leaf in wordfreq.leaves(handle):
        docs = doc_ids(leaf, "text", probe)
        if docs and lang is not None:
            mine = set(doc_ids(leaf, "lang", lang.encode("utf-8")))
            docs = [d for d in docs if d in mine]
        if docs and years is not None:
            year = wordfreq.years_of(handle, leaf)
            docs = [d for d in docs if years(year(d))]
        for d, value in zip(docs, column_values_at(leaf, wordseq.FIELD, docs)):
            yield leaf, d, value


def _windows(out: Counts, seq: list[str], starts: list[int], k: int, left: int, right: int) -> None:
    """Add one passage's windows: the union of its occurrences' windows, each word counted
    once however many windows hold it (so f_xy ≤ f_y), the node's own words left out; a
    word is on the left of the first occurrence whose window holds it, else on the right."""
    out.f_x += len(starts)
    if len(starts) == 1:  # the common case: two slices, counted in C
        i = starts[0]
        before, after = seq[max(0, i - left) : i], seq[i + k : i + k + right]
        out.left.update(before)
        out.right.update(after)
        out.window_tokens += len(before) + len(after)
        return
    # a word in a right window is on the right (the occurrence before it comes first), else
    # on the left; the node's own words are in neither
    n = len(seq)
    inside = {p for i in starts for p in range(i, i + k)}
    after = {p for i in starts for p in range(i + k, min(n, i + k + right))} - inside
    before = {p for i in starts for p in range(max(0, i - left), i)} - inside - after
    out.left.update([seq[p] for p in before])
    out.right.update([seq[p] for p in after])
    out.window_tokens += len(before) + len(after)


def _tally(out: Counts, batch: list[bytes]) -> None:
    """Word frequencies of a batch of passages, counted in C (one split of their join)."""
    if batch:
        words = b" ".join(batch).split(b" ")
        out.tokens += len(words)
        out.freq.update(words)
        batch.clear()


def collocates(
    handle: Any,
    term: str,
    window: tuple[int, int] = (5, 5),
    measure: str = "logdice",
    min_freq: int = 2,
    by: str = "both",
    stop_words: bool = False,
    top: int = 20,
    lang: str | None = None,
    filters: Filters | None = None,
    ids: list[str] | None = None,
    cross: bool = False,
) -> Collocation:
    """The ``top`` collocates of ``term`` by ``measure`` (see ``measures.MEASURES``).

    Without ``lang``, a term with Han characters is looked for in Chinese articles and any other
    in English ones (an English word's collocates come from English text). ``min_freq`` is the
    least f_xy shown; stop words (``study.stopwords``) are left out unless ``stop_words``.
    ``cross`` adds, for each glossary translation of the term, its collocates in the paragraphs
    aligned with those holding the term.
    """
    if measure not in MEASURES:
        raise QueryError(f"--measure must be one of {', '.join(MEASURES)}, not {measure!r}")
    if by not in SIDES:
        raise QueryError(f"--by must be one of {', '.join(SIDES)}, not {by!r}")
    if min(window) < 0 or max(window) < 1:
        raise QueryError(f"--window needs two sizes ≥ 0, not both 0; got {window[0]} {window[1]}")
    normalized, node = node_terms(handle, term)
    lang = lang or ("zh" if HAN.search(normalized) else "en")
    filters = Filters(**{**(filters.__dict__ if filters else {}), "lang": lang})
    span = years(filters, ids)
    chosen = None if span is not None else select(handle, filters, ids)
    if span is not None:  # the language, or whole years of it: from the tables
        dated = filters.since is not None or filters.until is not None
        counts = count_indexed(handle, node, window, by, lang, span if dated else None)
    else:
        values = ((v, True) for _, _, v in wordseq.passages(handle, chosen))
        counts = count(values, node, window, by)

    def made(term: str, node: tuple[str, ...], lang: str | None, counts: Counts) -> Collocation:
        return Collocation(
            term=term,
            node=node,
            lang=lang,
            measure=measure,
            window=window,
            by=by,
            f_x=counts.f_x,
            tokens=counts.tokens,
            collocates=rank(counts, measure, min_freq, stop_words, top),
        )

    result = replace(made(normalized, node, lang, counts), selection=describe(filters, ids))
    if cross:
        from kscorpus.study.crosscolloc import cross_collocates

        other = "en" if lang == "zh" else "zh"
        if chosen is None and span is not None and dated:
            chosen = select(handle, filters, ids)
        more = cross_collocates(handle, normalized, node, chosen, other, filters, window, by)
        found = [made(t, node_t, None, counts_t) for t, node_t, counts_t in more]  # lang: the other
        result = replace(result, cross=found)
    return _with_forms(handle, result)


def _with_forms(handle: Any, res: Collocation) -> Collocation:
    """``res`` with each collocate's ``text`` (and its translations' collocates')."""
    everyone = res.collocates + [c for x in res.cross for c in x.collocates]
    forms = surface_forms(handle, [(c.term,) for c in everyone])

    def fill(found: list[Collocate]) -> list[Collocate]:
        return [replace(c, text=shown((c.term,), forms)) for c in found]

    cross = [replace(x, collocates=fill(x.collocates)) for x in res.cross]
    return replace(res, collocates=fill(res.collocates), cross=cross)


def rank(
    counts: Counts, measure: str, min_freq: int, stop_words: bool, top: int
) -> list[Collocate]:
    """The collocates of a count, best first by ``measure`` (then f_xy, then the word)."""
    if not counts.f_x:
        return []
    found = []
    for w, f_xy in (counts.left + counts.right).items():
        if f_xy < min_freq or (not stop_words and is_stop_word(w)):
            continue
        f_y = counts.freq[w.encode("utf-8")]
        t = Table(f_xy, counts.window_tokens, f_y, counts.tokens)
        scores = {name: round(fn(t, counts.f_x, f_y), 4) for name, fn in MEASURES.items()}
        found.append(
            Collocate(w, f_xy, counts.left[w], counts.right[w], f_y, scores[measure], scores)
        )
    found.sort(key=lambda c: (-c.score, -c.f_xy, c.term))
    return found[:top]
