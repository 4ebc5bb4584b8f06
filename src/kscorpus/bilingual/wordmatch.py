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
    """Chinese words (Simplified) → the stems of their English translations."""

    def __init__(self, entries: Mapping[str, Iterable[str]]) -> None:
        self._stems: dict[str, frozenset[str]] = {}
        for zh, stems in entries.items():
            s = frozenset(stems)
            if 2 <= len(zh) <= MAX_WORD and 0 < len(s) <= MAX_SENSES:
                self._stems[zh] = s
        self._english = frozenset(x for s in self._stems.values() for x in s)
        self._longest = max(map(len, self._stems), default=0)

    def __len__(self) -> int:
        return len(self._stems)

    def merged(self, other: WordMatch) -> WordMatch:
        """Both dictionaries' words; a word in both gets the union of its stems (``other``'s
        first, as a glossary's renderings should be)."""
        entries = {w: set(s) for w, s in self._stems.items()}
        for w, s in other._stems.items():
            entries.setdefault(w, set()).update(s)
        return WordMatch(entries)

    def zh_keys(self, text: str) -> frozenset[str]:
        """The English stems the dictionary words of a Chinese ``text`` translate to."""
        found: set[str] = set()
        stems, longest = self._stems, self._longest
        if not stems:
            return frozenset()
        text = fold_width(text)
        i, n = 0, len(text)
        while i < n:
            for size in range(min(longest, n - i), 1, -1):
                hit = stems.get(text[i : i + size])
                if hit is not None:
                    found |= hit
                    i += size
                    break
            else:
                i += 1
        return frozenset(found)

    def en_keys(self, stems: Iterable[str]) -> frozenset[str]:
        """Those of an English text's ``stems`` that some Chinese word translates to."""
        return frozenset(s for s in stems if s in self._english)


def from_lexicon(lexicon: Any) -> WordMatch:
    """The words of a general lexicon (``bilingual.lexicon.Lexicon``: Simplified word →
    English keys of stemmed terms, best first), each with its first translations' terms."""
    return WordMatch(
        {
            w: {t for key in keys[:TRANSLATIONS] for t in key.split()}
            for w, keys in lexicon.zh2en.items()
        }
    )


@functools.cache
def general() -> WordMatch | None:
    """The general lexicon's words (CC-CEDICT), compiled once per process; None where it is
    not installed (then only the corpus glossary's words match)."""
    try:
        from kscorpus.bilingual.lexicon import load_lexicon
    except ImportError:
        return None
    try:
        return from_lexicon(load_lexicon())
    except KscorpusError:
        return None
