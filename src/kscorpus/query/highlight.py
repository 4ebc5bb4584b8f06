"""Snippets and highlights, cut at Chinese as well as Latin sentence punctuation.

Whoosh's sentence fragmenter splits only on ``.!?``, and its highlighter marks overlapping
search-mode sub-words twice (中国 inside 中国化). Here the passage is re-analyzed, the spans of
matching tokens are merged so the longest match wins, and the snippet is the best sentence
(most distinct terms, then most hits), trimmed to a display width counted in terminal cells.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from kscorpus.index.analysis import HYPHENATED, fold_width, joined_term, latin_term
from kscorpus.index.hanchars import fold
from kscorpus.ingest.offsets import OffsetMap
from kscorpus.ingest.segment import HAN

_WORD = re.compile(r"(?:(?![\u3400-\u9fff])\w)+(?:\.\w+)*")
_JOINER = re.compile(r"[\s\-·]+")
_SENTENCE_END = re.compile(r"[。！？；!?;]+[”’」』\"]?|\.(?=\s)|\n")


@dataclass(frozen=True)
class Snippet:
    """``text`` is ``passage[start:end]``; ``highlights`` are spans relative to ``text``;
    the passage is ``full_text[passage_start:passage_start + source_len]``."""

    text: str
    start: int
    end: int
    highlights: tuple[tuple[int, int], ...]
    source_len: int
    passage_start: int = 0

    @property
    def cut(self) -> tuple[bool, bool]:
        """Whether text of the passage was left out before and after the snippet."""
        return self.start > 0, self.end < self.source_len

    def to_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "highlights": [list(h) for h in self.highlights],
            "passage_start": self.passage_start,
            "passage_length": self.source_len,
        }


def cells(s: str) -> int:
    """Terminal cells: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def match_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int, str]]:
    """Merged spans of ``text`` where query ``terms`` occur, with the term of the longest one.

    Chinese terms are found as substrings and English ones by stemming the text's words, so no
    segmenter is loaded to highlight a snippet. Han characters are compared in their Simplified
    forms, one character for one, so the query 台湾 highlights 臺灣 where the text has it.
    """
    folded = fold(fold_width(text).lower())
    if len(folded) != len(text):  # a rare case-mapping that changes length: match unfolded
        folded = text
    raw = []
    for t in set(terms):
        if HAN.search(t):
            t = fold(t)
            i = folded.find(t)
            while i >= 0:
                raw.append((i, i + len(t), t))
                i = folded.find(t, i + 1)
    for m in _WORD.finditer(folded):
        term = latin_term(m.group())
        if term in terms:
            raw.append((m.start(), m.end(), term))
    if "-" in folded:  # e-commerce for the query ecommerce
        for m in HYPHENATED.finditer(folded):
            parts = [latin_term(p) for p in m.group().split("-")]
            term = None if None in parts else joined_term(parts)  # type: ignore[arg-type]
            if term in terms:
                raw.append((m.start(), m.end(), term))
    raw.sort()
    merged: list[tuple[int, int, str]] = []
    for s, e, t in raw:
        # overlapping sub-words collapse into the longest match; matches separated only by a
        # space or hyphen (trust e-commerce) read better as one
        if merged and (s <= merged[-1][1] or _JOINER.fullmatch(text, merged[-1][1], s)):
            ps, pe, pt = merged[-1]
            merged[-1] = (ps, max(pe, e), pt if pe - ps >= e - s else t)
        else:
            merged.append((s, e, t))
    return merged


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans, ending after 。！？； and their Latin forms (and a closing quote)."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if m.end() > start:
            spans.append((start, m.end()))
            start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def snippet(
    text: str, spans: list[tuple[int, int, str]], width: int = 120, passage_start: int = 0
) -> Snippet:
    """The best sentence of ``text`` for these match spans, at most ``width`` cells wide."""
    sents = sentences(text) or [(0, len(text))]

    def score(se: tuple[int, int]) -> tuple[int, int]:
        inside = [t for s, e, t in spans if s >= se[0] and e <= se[1]]
        return len(set(inside)), len(inside)

    best = max(sents, key=score) if spans else sents[0]
    s, e = best
    while s < e and text[s].isspace():
        s += 1
    i = sents.index(best)
    # Short sentence: add the following ones, then the preceding ones, while they fit.
    j = i
    while i + 1 < len(sents) and cells(text[s : sents[i + 1][1]]) <= width:
        i += 1
        e = sents[i][1]
    while j > 0 and cells(text[sents[j - 1][0] : e]) <= width:
        j -= 1
        s = sents[j][0]
    if j > 0 and cells(text[s:e]) < width // 3:  # still tiny (孔慧说。): lead in with context
        s = _back(text, s, 0, width - cells(text[s:e]))
        if s and _in_word(text, s):
            s = text.find(" ", s) + 1 or s
    if cells(text[s:e]) > width:
        first = next((hs for hs, he, _ in spans if hs >= s and he <= e), s)
        s = _back(text, first, s, width // 3)
        if s and _in_word(text, s):
            s = min(text.find(" ", s, first) + 1 or first, first)
        e = _forward(text, s, e, width)
        # never cut a highlight or a Latin word in two
        e = next((hs for hs, he, _ in spans if hs < e < he), e)
        if e < len(text) and _in_word(text, e):
            space = text.rfind(" ", s, e)
            if space > s:
                e = space
            else:  # Chinese text, no space: cut before the number or Latin word (180天)
                while e > s + 1 and _in_word(text, e):
                    e -= 1
    e = len(text[:e].rstrip())
    hl = tuple((max(hs, s) - s, min(he, e) - s) for hs, he, _ in spans if he > s and hs < e)
    return Snippet(text[s:e], s, e, hl, len(text), passage_start)


def _in_word(text: str, i: int) -> bool:
    """Is position ``i`` between two characters of one Latin word?"""
    pair = text[i - 1 : i + 1]
    return len(pair) == 2 and pair.isascii() and pair.isalnum()


def _back(text: str, pos: int, floor: int, budget: int) -> int:
    while pos > floor and cells(text[pos - 1]) <= budget:
        budget -= cells(text[pos - 1])
        pos -= 1
    return pos


def _forward(text: str, start: int, ceil: int, budget: int) -> int:
    pos = start
    while pos < ceil and cells(text[pos]) <= budget:
        budget -= cells(text[pos])
        pos += 1
    return pos


def in_original(snip: Snippet, offsets: OffsetMap, original: str) -> Snippet:
    """The same snippet located in the original text: its script, its damage, its positions.

    ``offsets`` maps the cleaned text (where ``snip.passage_start`` is counted) to ``original``.
    """
    base = snip.passage_start
    ps, pe = offsets.span(base, base + snip.source_len)
    s, e = offsets.span(base + snip.start, base + snip.end)
    hl = []
    for hs, he in snip.highlights:
        a, b = offsets.span(base + snip.start + hs, base + snip.start + he)
        hl.append((a - s, b - s))
    return Snippet(original[s:e], s - ps, e - ps, tuple(hl), pe - ps, ps)
