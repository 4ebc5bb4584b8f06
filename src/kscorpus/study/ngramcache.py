"""The n-gram counts of a whole corpus (or one language of it), kept per state of the index.

A list of the commonest n-grams needs every n-gram counted: any of them may reach the top,
and the number shown beside the list (how many pass ``--min-freq`` and ``--min-range``) is a
count of distinct n-grams, which no per-segment summary short of every segment's whole table
can give (an n-gram seen once in each of two segments passes ``--min-freq 2``; see
bench/README.md). So the first whole-corpus ``ngrams -n N`` after a change counts everything,
as before, and keeps what answers any later one exactly, in the generation directory:

- the n-grams of frequency ≥ ``cut``, sorted as shown (frequency, range, words), where
  ``cut`` is chosen so that about ``PREFIX`` of them are kept: every n-gram left out is
  rarer than ``cut``;
- a histogram of every n-gram of frequency ≥ ``FLOOR`` by (frequency, range), which gives the
  number passing any ``--min-freq`` ≥ ``FLOOR`` and ``--min-range``;

each with and without the n-grams that begin or end with a stop word. A query the kept
n-grams cannot answer exactly (``--min-freq 1``, or a ``--min-range`` or ``--limit`` that
reaches past them) is counted in full. The key is the passages index's segments and their
deletions: any ingest that changes a passage makes a new key.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kscorpus.index import cachefile, wordfreq
from kscorpus.study.stopwords import CHINESE_STOP_WORDS, ENGLISH_STOP_WORDS, is_stop_word

FORMAT = 1
FLOOR = 2  # the least frequency the histogram counts
PREFIX = 1000  # about how many n-grams are kept sorted

Gram = tuple[tuple[str, ...], int, int]  # terms, frequency, range


@dataclass(frozen=True)
class Mode:
    """What is kept for one setting of ``--stop-words``."""

    cut: int  # every n-gram not in ``best`` is rarer than this
    best: list[tuple[bytes, int, int]]  # n-gram (terms joined by spaces), freq, range: sorted
    histogram: list[tuple[int, int, int]]  # (freq, range, how many n-grams), freq ≥ FLOOR


@dataclass(frozen=True)
class Counted:
    tokens: int
    articles: int
    modes: dict[bool, Mode]  # by ``stop_words``

    def answer(
        self, stop_words: bool, min_freq: int, min_range: int, top: int
    ) -> tuple[int, list[Gram]] | None:
        """``(n-grams passing the minimums, the top of them)`` exactly as a full count gives
        them, or None where what is kept cannot say."""
        if min_freq < FLOOR:
            return None
        mode = self.modes[stop_words]
        distinct = sum(c for f, r, c in mode.histogram if f >= min_freq and r >= min_range)
        best: list[Gram] = []
        for g, f, r in mode.best:
            if len(best) == top:
                return distinct, best
            if f >= min_freq and r >= min_range:
                best.append((tuple(g.decode("utf-8").split(" ")), f, r))
        # every n-gram left out is rarer than ``cut``: none passes unless min_freq < cut
        return (distinct, best) if len(best) == top or min_freq >= mode.cut else None


def path(handle: Any, n: int, lang: str | None) -> Path:
    return Path(handle.path) / f"ngrams-{n}-{lang or 'all'}.cache"


def key(handle: Any, n: int, lang: str | None) -> tuple[Any, ...]:
    """What the counts depend on: the passages index's segments and deleted documents, the
    n-gram size and language, the stop words and this module's format."""
    h = hashlib.blake2b(digest_size=16)
    for leaf in wordfreq.leaves(handle):
        segment = leaf.segment()
        deleted = sorted(segment.deleted_docs())
        h.update(f"{segment.segment_id()} {segment.doc_count_all()} {deleted}\n".encode())
    stop = " ".join(sorted(CHINESE_STOP_WORDS | ENGLISH_STOP_WORDS))
    h.update(stop.encode("utf-8"))
    return (FORMAT, FLOOR, PREFIX, n, lang or "", h.hexdigest())


def load(handle: Any, n: int, lang: str | None) -> Counted | None:
    """The kept counts of the index's current state (None if there are none)."""
    value = cachefile.read(path(handle, n, lang), key(handle, n, lang))
    if value is None:
        return None
    tokens, articles, modes = value
    return Counted(tokens, articles, {bool(k): Mode(*v) for k, v in modes.items()})


def keep(
    handle: Any,
    n: int,
    lang: str | None,
    freq: Counter[bytes],
    rng: Counter[bytes],
    tokens: int,
    articles: int,
) -> Counted:
    """Summarize a full count (``ngrams.count_ngrams``) and store it for the index's state."""
    keys = [g for g, f in freq.items() if f >= FLOOR]
    stop: dict[bytes, bool] = {}

    def stopped(word: bytes) -> bool:
        s = stop.get(word)
        if s is None:
            s = stop[word] = is_stop_word(word.decode("utf-8"))
        return s

    plain = [g for g in keys if not (stopped(g[: g.find(b" ")]) or stopped(g[g.rfind(b" ") + 1 :]))]
    modes = {True: _mode(keys, freq, rng), False: _mode(plain, freq, rng)}
    counted = Counted(tokens, articles, modes)
    value = (tokens, articles, {k: (m.cut, m.best, m.histogram) for k, m in modes.items()})
    cachefile.write(path(handle, n, lang), key(handle, n, lang), value)
    return counted


def _mode(keys: list[bytes], freq: Counter[bytes], rng: Counter[bytes]) -> Mode:
    fs = sorted((freq[g] for g in keys), reverse=True)
    if len(fs) <= PREFIX:
        cut = FLOOR
    else:
        cut = fs[PREFIX - 1]
        if sum(1 for f in fs[: 4 * PREFIX + 1] if f >= cut) > 4 * PREFIX:
            cut += 1  # a long tie at the edge: keep fewer, all of them more frequent
    kept = [g for g in keys if freq[g] >= cut]
    kept.sort(key=lambda g: (-freq[g], -rng[g], tuple(g.decode("utf-8").split(" "))))
    histogram = Counter((freq[g], rng[g]) for g in keys)
    return Mode(
        cut,
        [(g, freq[g], rng[g]) for g in kept],
        [(f, r, c) for (f, r), c in sorted(histogram.items())],
    )
