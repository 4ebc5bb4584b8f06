"""Chinese words meet English ones through a dictionary: the lexical evidence of alignment and
pair detection.

A Chinese text becomes the set of stemmed English translations of the dictionary words it
holds (found by forward maximum matching, so no segmenter is loaded); an English text becomes
the set of its stems that some Chinese word translates to. The overlap of the two sets is what
hunalign calls dictionary similarity: a translation shares most of it, an unrelated text on the
same subject far less. Words with many senses (打, 开) say little and are left out, as are
single characters, which are parts of longer words more often than words.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from kscorpus.errors import KscorpusError
from kscorpus.index.analysis import fold_width

MAX_SENSES = 6  # a Chinese word with more English stems than this is too ambiguous to count
MAX_WORD = 8  # characters: longer dictionary entries are idioms and names, matched rarely
TRANSLATIONS = 3  # of a lexicon word's translations (best first), the ones that count


class WordMatch:
    """Chinese words (Simplified) → the stems of their English translations: a glossary's
    own entries, over a general lexicon's (read on demand, not copied: it has 100,000)."""

    def __init__(self, entries: Mapping[str, Iterable[str]], lexicon: Any = None) -> None:
        self._stems: dict[str, frozenset[str] | None] = {}
        for zh, stems in entries.items():
            s = frozenset(stems)
            if 2 <= len(zh) <= MAX_WORD and s:
                self._stems[zh] = s if len(s) <= MAX_SENSES else None
        self._lexicon = lexicon
        own = frozenset(x for s in self._stems.values() if s for x in s)
        self._english = own | lexicon.vocabulary if lexicon is not None else own
        words, prefixes = _index(lexicon) if lexicon is not None else (frozenset(), frozenset())
        self._words = words | self._stems.keys()
        self._prefixes = prefixes | {w[:n] for w in self._stems for n in range(2, len(w))}

    def _lookup(self, word: str) -> frozenset[str] | None:
        """A known word's stems (None: too ambiguous), the lexicon's found once."""
        if word in self._stems:
            return self._stems[word]
        stems = frozenset(t for key in self._lexicon.en(word)[:TRANSLATIONS] for t in key.split())
        found = stems if 0 < len(stems) <= MAX_SENSES else None
        self._stems[word] = found
        return found

    def zh_keys(self, text: str) -> frozenset[str]:
        """The English stems the dictionary words of a Chinese ``text`` translate to: at each
        place the longest known word (forward maximum matching, walking the prefixes of the
        known words so that most places cost two look-ups)."""
        found: set[str] = set()
        words, prefixes = self._words, self._prefixes
        if not words:
            return frozenset()
        text = fold_width(text)
        i, n = 0, len(text)
        while i < n:
            best, size = 0, 2
            while i + size <= n:
                piece = text[i : i + size]
                if piece in words:
                    best = size
                if piece not in prefixes:
                    break
                size += 1
            if best:
                hit = self._lookup(text[i : i + best])
                if hit:
                    found |= hit
                i += best
            else:
                i += 1
        return frozenset(found)

    def en_keys(self, stems: Iterable[str]) -> frozenset[str]:
        """Those of an English text's ``stems`` that some Chinese word translates to."""
        return frozenset(s for s in stems if s in self._english)


_INDEXES: dict[int, tuple[Any, frozenset[str], frozenset[str]]] = {}


def _index(lexicon: Any) -> tuple[frozenset[str], frozenset[str]]:
    """The lexicon's words of 2 to ``MAX_WORD`` characters, and their proper prefixes of two
    or more: made once per lexicon (a build makes several ``WordMatch``es)."""
    got = _INDEXES.get(id(lexicon))
    if got is None or got[0] is not lexicon:
        words = frozenset(w for w in lexicon.zh2en if 2 <= len(w) <= MAX_WORD)
        prefixes = frozenset(w[:n] for w in words for n in range(2, len(w)))
        got = _INDEXES[id(lexicon)] = (lexicon, words, prefixes)
    return got[1], got[2]


@functools.cache
def general() -> Any:
    """The general lexicon (CC-CEDICT, ``bilingual.lexicon``), loaded once per process; None
    where it cannot be read (then only the corpus glossary's words match)."""
    try:
        from kscorpus.bilingual.lexicon import load_lexicon
    except ImportError:
        return None
    try:
        return load_lexicon()
    except KscorpusError:
        return None
