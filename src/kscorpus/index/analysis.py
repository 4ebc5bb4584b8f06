"""The Whoosh analyzer for mixed Chinese and English text.

One analyzer serves both languages, so a query is analyzed exactly like every document whatever
script it is typed in: Han runs are segmented by jieba, Latin and digit runs are lower-cased,
stop-worded and Porter-stemmed. It avoids jieba's own ``ChineseAnalyzer`` on purpose (see
PITFALLS.md): positions are token numbers (0, 1, 2 …) so phrase queries work, character offsets
go in ``startchar``/``endchar``, and search-mode sub-words (电商 inside 信任电商) share their
parent word's position and are emitted only when indexing. The class is pickled into the index
schema, so this module imports neither jieba nor anything slow at import time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from whoosh.analysis import STOP_WORDS, Analyzer, Token
from whoosh.formats import Positions

from kscorpus.ingest.segment import HAN, UserDict, segmenter

_LATIN = re.compile(r"\w+(?:\.\w+)*")
# Full-width ASCII (U+FF01-FF5E) folds to ASCII so ＧＭＶ and GMV are one term.
FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_WIDE = re.compile("[\uff01-\uff5e]")
_NARROW = {chr(c): chr(a) for c, a in FOLD.items()}


def fold_width(text: str) -> str:
    """``text`` with full-width ASCII folded (one character for one: offsets hold), by a regex
    that touches only those characters: ``str.translate`` looks every character up in the
    table, which is much slower over Chinese text."""
    return _WIDE.sub(lambda m: _NARROW[m[0]], text)


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    from whoosh.lang.porter import stem

    return stem(word)


def latin_term(word: str) -> str | None:
    """The indexed form of one Latin/digit word, or None for a stop word."""
    word = word.lower()
    if word in STOP_WORDS:
        return None
    return _stem(word) if word.isalpha() and word.isascii() else word


def latin_terms(text: str) -> list[str]:
    """The terms the analyzer gives for ASCII text, in order, without loading a segmenter:
    letter and digit runs (a decimal number is one), a possessive 's left out, each through
    ``latin_term``. The lexicon stems its English glosses with this."""
    out = []
    for m in _ASCII_WORD.finditer(text):
        if m.group() in "sS" and _POSSESSIVE.fullmatch(text, max(m.start() - 2, 0), m.start()):
            continue
        term = latin_term(m.group())
        if term is not None:
            out.append(term)
    return out


_ASCII_WORD = re.compile(r"[A-Za-z0-9]+(?:\.[0-9]+)?")  # as jieba cuts ASCII


class BilingualAnalyzer(Analyzer):
    """Tokens for Whoosh: jieba words for Chinese, stemmed words for English."""

    def __init__(self, userdict: UserDict = ()) -> None:
        self.userdict = tuple(userdict)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BilingualAnalyzer) and other.userdict == self.userdict

    def __hash__(self) -> int:
        return hash(self.userdict)

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        query = mode == "query"
        for text, pos, start, end in tokens(value, self.userdict, subwords=not query, fast=query):
            t.text = text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[start:end]
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + start
                t.endchar = start_char + end
            yield t


class WordPositions(Positions):  # type: ignore[misc]
    """Whoosh's ``Positions`` postings (same bytes), built straight from the cached token
    tuples: no ``Token`` objects on the way, which were a large part of Whoosh's indexing time."""

    def word_values(self, value: str, analyzer: Any, **kwargs: Any) -> Iterator[Any]:
        if not isinstance(analyzer, BilingualAnalyzer):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        fb = self.field_boost
        for word, freq, vbytes in self.postings(value, analyzer):
            yield word, freq, freq * fb, vbytes

    def postings(self, value: str, analyzer: BilingualAnalyzer) -> list[tuple[str, int, bytes]]:
        """``(term, frequency, encoded positions)`` of every term of ``value``, made a line at a
        time: a value of one line (a passage, a title repeated in every passage of its article)
        takes its line's postings as they were made for the article."""
        if "\n" not in value:
            return _line_postings(value, analyzer.userdict)[0]
        poses: dict[str, list[int]] = {}
        base = 0
        for line in value.split("\n"):
            _, line_poses, n = _line_postings(line, analyzer.userdict)
            for term, ps in line_poses.items():
                shifted = [p + base for p in ps]
                at = poses.get(term)
                if at is None:
                    poses[term] = shifted
                else:
                    at += shifted
            base += n
        return _encoded(poses)


@lru_cache(maxsize=256)  # an article's lines while its passages are indexed: no more (memory)
def _line_postings(
    line: str, userdict: UserDict
) -> tuple[list[tuple[str, int, bytes]], dict[str, list[int]], int]:
    """A line's postings, its positions by term (read only: shared by the cache), and its
    number of positions."""
    toks = _line_tokens(line, userdict, True, False)
    poses: dict[str, list[int]] = {}
    for term, pos, _, _ in toks:
        at = poses.get(term)
        if at is None:
            poses[term] = [pos]
        else:
            at.append(pos)
    return _encoded(poses), poses, (toks[-1][1] + 1 if toks else 0)


def _encoded(poses: dict[str, list[int]]) -> list[tuple[str, int, bytes]]:
    encode, one = _POSITIONS.encode, _ONE
    out = []
    for word, poslist in poses.items():
        if len(poslist) == 1:  # most postings: one position, its bytes made once
            p = poslist[0]
            vbytes = one.get(p) or one.setdefault(p, encode(poslist))
            out.append((word, 1, vbytes))
        else:
            out.append((word, len(poslist), encode(poslist)))
    return out


_POSITIONS = Positions()  # its ``encode``, which depends on nothing but the positions
_ONE: dict[int, bytes] = {}  # encoded single positions, by position


def count_tokens(text: str, userdict: UserDict = ()) -> int:
    """How many tokens ``tokens(text, userdict)`` gives, without making them."""
    return sum(len(_line_tokens(line, tuple(userdict), True, False)) for line in text.split("\n"))


def main_terms(line: str, userdict: UserDict = ()) -> list[str]:
    """The terms of one line in order, on the main path only (no search sub-words, no joined
    hyphenations: they share the position of the word that follows them): the word sequence
    ``index.wordseq`` stores. From the same cached tokens as the line's postings."""
    toks = _line_tokens(line, tuple(userdict), True, False)
    return [t[0] for t, nxt in zip(toks, (*toks[1:], None)) if nxt is None or nxt[1] != t[1]]


def tokens(
    text: str, userdict: UserDict = (), subwords: bool = True, fast: bool = False
) -> Iterator[tuple[str, int, int, int]]:
    """``(term, position, startchar, endchar)`` for every indexable token of ``text``.

    With ``subwords``, a long Chinese word is preceded by its dictionary sub-words at the same
    position, so 电商 finds 信任电商 while the phrase "信任电商" still matches word by word.
    ``fast`` segments with an open index's compiled dictionary when there is one (queries).
    Segmentation never crosses a line break, so lines are segmented (and cached) one by one:
    ingest indexes each paragraph twice, in the article and as a passage, but segments it once.
    """
    pos = base = 0
    for line in text.split("\n"):
        toks = _line_tokens(line, tuple(userdict), subwords, fast)
        for term, p, s, e in toks:
            yield term, pos + p, base + s, base + e
        if toks:
            pos += toks[-1][1] + 1
        base += len(line) + 1


@lru_cache(maxsize=256)  # an article's lines while its passages are indexed: no more (memory)
def _line_tokens(
    line: str, userdict: UserDict, subwords: bool, fast: bool
) -> tuple[tuple[str, int, int, int], ...]:
    seg = segmenter(userdict, compiled=fast)
    folded = fold_width(line)
    out = []
    pos = 0
    for word, start, end in seg.words(folded):
        if HAN.search(word):
            if subwords and len(word) > 2:  # sub-words (2 or 3 characters) of longer words
                out.extend(
                    (sub, pos, start + off, start + off + len(sub))
                    for sub, off in seg.subwords(word)
                )
            out.append((word.lower(), pos, start, end))
            pos += 1
            continue
        for m in _LATIN.finditer(word):
            at = start + m.start()
            if m.group() in "sS" and _POSSESSIVE.fullmatch(folded, max(at - 2, 0), at):
                continue  # Kuaishou's is Kuaishou
            term = latin_term(m.group())
            if term is not None:
                out.append((term, pos, at, start + m.end()))
                pos += 1
    if subwords and "-" in folded:
        _add_joined(folded, out)
    return tuple(out)


_POSSESSIVE = re.compile(r"\w['\u2019]")
HYPHENATED = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)+")


def joined_term(parts: list[str]) -> str | None:
    """The term a hyphenated word (its parts' terms, in order) is also indexed as: the parts'
    terms run together, so e-commerce is found by ecommerce and the reverse (None when a
    part is a stop word or not a plain word)."""
    if not 2 <= len(parts) <= 4 or not all(p.isalpha() and p.isascii() for p in parts):
        return None
    return "".join(parts)


def _add_joined(line: str, out: list[tuple[str, int, int, int]]) -> None:
    """Add the joined term of each hyphenated word of ``line`` at its first part's position,
    as a sub-word shares its word's (indexing only: a query keeps the parts)."""
    for m in HYPHENATED.finditer(line):
        inside = [t for t in out if m.start() <= t[2] and t[3] <= m.end()]
        if len(inside) != m.group().count("-") + 1:
            continue  # a stop word among the parts
        joined = joined_term([t[0] for t in inside])
        if joined is not None:
            first = inside[0]
            out.insert(out.index(first), (joined, first[1], m.start(), m.end()))
