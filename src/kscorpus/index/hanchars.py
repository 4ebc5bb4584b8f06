"""The character-level field for Han text: single characters and overlapping bigrams.

jieba cuts a query and the text that holds it differently (假一赔九 alone is 假一/赔九, inside
如假一赔九 it is 如假/一/赔/九), so the word field alone cannot promise that what is in the text
is found. Beside it, ``title_chars`` and ``text_chars`` index every Han character as a unigram
and every pair of neighbours inside a Han run as a bigram, as Lucene's ``CJKBigramFilter`` with
``output_unigrams`` does. A token's position is its character's offset in the value, so a
phrase of bigrams matches consecutive characters only, never across other text.

Every character is folded to Simplified one character at a time (OpenCC through
``ingest.convert``, whatever script the article was detected as), so lengths and offsets hold
and 臺灣 quoted in a Simplified article is found by 台湾. The class is pickled into the index
schema: this module imports nothing slow (OpenCC is loaded on the first character it may
change, and never where ``convertible`` says no character would).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from operator import add
from typing import Any

from whoosh.analysis import Analyzer, Token
from whoosh.formats import Positions

from kscorpus.ingest.segment import HAN_RUN

_TABLE: dict[int, str] = {}  # ord → Simplified character, for characters that change
_SEEN: set[str] = set()  # characters already looked up
_CONVERTIBLE: list[frozenset[str] | None] = [None]  # every character OpenCC may change, if known


def use_convertible(chars: frozenset[str] | None) -> None:
    """Characters outside ``chars`` are never converted: folding text without any of them
    needs no OpenCC (a query's start-up). ``chars`` is a generation's ``convertible.txt``."""
    _CONVERTIBLE[0] = chars


def fold(text: str) -> str:
    """``text`` with each Han character in its Simplified form, one character for one."""
    known = _CONVERTIBLE[0]
    if known is not None and known.isdisjoint(text):
        return text
    if not _SEEN.issuperset(text):  # no set made of ``text`` while all its characters are known
        new = set(text).difference(_SEEN)
        han = sorted(c for c in new if HAN_RUN.match(c) and (known is None or c in known))
        if han:
            from kscorpus.ingest.convert import to_simplified

            out = to_simplified("\n".join(han)).split("\n")
            if len(out) == len(han):
                for c, s in zip(han, out):
                    if s != c and len(s) == 1 and HAN_RUN.match(s):
                        _TABLE[ord(c)] = s
        _SEEN.update(new)
    return text.translate(_TABLE) if _TABLE else text


def char_grams(text: str) -> Iterator[tuple[str, int]]:
    """``(term, position)`` of ``text``: each Han character, then the bigram it starts (if the
    next character is Han too), at the character's offset. ``text`` is folded already."""
    for m in HAN_RUN.finditer(text):
        run, start = m.group(), m.start()
        last = len(run) - 1
        for i, c in enumerate(run):
            yield c, start + i
            if i < last:
                yield run[i : i + 2], start + i


def phrase_terms(han: str) -> list[str]:
    """What the character field is searched with for the Han string ``han`` (folded): one
    character or one bigram as it is, a longer string as its overlapping bigrams in order."""
    if len(han) <= 2:
        return [han]
    return [han[i : i + 2] for i in range(len(han) - 1)]


def joined(terms: list[str]) -> str:
    """The Han string that ``phrase_terms`` made ``terms`` of."""
    return terms[0] + "".join(t[-1] for t in terms[1:])


class HanCharAnalyzer(Analyzer):
    """Tokens for the character fields (see the module's docstring); nothing for other text."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HanCharAnalyzer)

    def __hash__(self) -> int:
        return hash(HanCharAnalyzer)

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
        for term, pos in char_grams(fold(value)):
            t.text = term
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = term
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + pos
                t.endchar = start_char + pos + len(term)
            yield t


class CharPositions(Positions):  # type: ignore[misc]
    """Whoosh's ``Positions`` postings (same bytes), built in bulk for ``HanCharAnalyzer``."""

    def word_values(self, value: str, analyzer: Any, **kwargs: Any) -> Iterator[Any]:
        if not isinstance(analyzer, HanCharAnalyzer):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        fb = self.field_boost
        for word, freq, vbytes in self.postings(value):
            yield word, freq, freq * fb, vbytes

    def postings(self, value: str) -> list[tuple[str, int, bytes]]:
        """``(term, frequency, encoded positions)`` of every term of ``value``, as
        ``char_grams`` makes them (unigrams and bigrams of a run, each by a C-level map)."""
        poses: defaultdict[str, list[int]] = defaultdict(list)
        for m in HAN_RUN.finditer(fold(value)):
            run, start = m.group(), m.start()
            for pos, term in enumerate(run, start):
                poses[term].append(pos)
            if len(run) > 1:
                for pos, term in enumerate(map(add, run, run[1:]), start):
                    poses[term].append(pos)
        encode, one = _POSITIONS.encode, _ONE
        out = []
        for word, poslist in poses.items():
            if len(poslist) == 1:
                p = poslist[0]
                vbytes = one.get(p)
                if vbytes is None:
                    vbytes = one[p] = encode(poslist)
                out.append((word, 1, vbytes))
            else:
                out.append((word, len(poslist), encode(poslist)))
        return out


_POSITIONS = Positions()
_ONE: dict[int, bytes] = {}  # encoded single positions, by position

__all__ = ["CharPositions", "HanCharAnalyzer", "char_grams", "fold", "joined", "phrase_terms"]
