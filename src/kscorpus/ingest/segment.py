"""Chinese word segmentation with jieba, behind a small interface the analyzer can rely on.

jieba is imported lazily (loading its dictionary dominates start-up), each user dictionary gets
its own private ``jieba.Tokenizer`` (the global one is never mutated), and the invalid-escape
warnings jieba 0.42.1 emits when compiled on Python 3.12+ never reach the user.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from functools import lru_cache
from math import log
from pathlib import Path
from typing import Any

UserDict = tuple[tuple[str, "int | None"], ...]
_LOG_TOTAL = log(60_101_967)  # jieba's dictionary total frequency (the route's denominator)

HAN_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN = re.compile(f"[{HAN_CHARS}]")
HAN_RUN = re.compile(f"[{HAN_CHARS}]+")


@lru_cache(maxsize=4)
def jieba_tokenizer(userdict: UserDict) -> Any:
    """A private ``jieba.Tokenizer`` with the user dictionary added (loads jieba: slow)."""
    from kscorpus.ingest.jieba_fast import load_tokenizer

    return load_tokenizer(userdict)


class Segmenter:
    """Precise-mode words with character offsets, and search-mode sub-words of a word.

    jieba's algorithm (``fastseg.Route``) over jieba's own dictionary, or over the dictionary
    compiled into an index (same tokens, no dictionary load).
    """

    def __init__(self, userdict: UserDict = (), compiled: Path | None = None) -> None:
        from kscorpus.ingest.fastseg import FastSegmenter, Hmm, Route

        force_split = {word for word, freq in userdict if freq == 0}  # as jieba's add_word
        if compiled is not None:
            fast = FastSegmenter(compiled, force_split)
            self._tokenize: Any = fast.tokenize
            self._freq: Any = fast.get
        else:
            from kscorpus.ingest.jieba_fast import hmm_tables, prefix_dictionary

            tk = jieba_tokenizer(userdict)

            def hmm() -> Hmm:
                return Hmm(*hmm_tables(), force_split)

            freq, total = prefix_dictionary(tk)
            self._tokenize = Route(freq.get, total, hmm).tokenize
            self._freq = freq.get

    def words(self, text: str) -> list[tuple[str, int, int]]:
        """jieba's default mode (HMM on), as ``(word, start, end)``."""
        return self._tokenize(text)

    def subwords(self, word: str) -> Iterator[tuple[str, int]]:
        """The 2- and 3-character dictionary words inside ``word``, as jieba's search mode finds
        them, with their offset in ``word``; but not one that straddles a seam of the word's
        own parts (``_seams``): 手电 is no word of 快手电商 (快手|电商), 华人 none of 中华人民."""
        seams = self._seams(word)
        for n in (2, 3):
            if len(word) > n:
                for i in range(len(word) - n + 1):
                    gram = word[i : i + n]
                    if self._freq(gram) and not any(i < b < i + n for b in seams):
                        yield gram, i

    def _seams(self, word: str) -> tuple[int, ...]:
        """Where the most probable cut of ``word`` into dictionary words other than itself
        (jieba's route: the sum of log frequencies, less the log of the dictionary's total
        for each piece) puts its boundaries; none if no such cut exists beyond single
        characters."""
        n = len(word)
        best: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)  # score, start of last piece
        for end in range(1, n + 1):
            options = []
            for start in range(max(0, end - 8), end):
                if start == 0 and end == n:
                    continue  # the word itself
                freq = self._freq(word[start:end])
                if freq or end - start == 1:
                    options.append((best[start][0] + log(freq or 1) - _LOG_TOTAL, start))
            best[end] = max(options)
        if all(best[e][1] == e - 1 for e in range(1, n + 1)):
            return ()  # single characters only: no word inside
        seams, end = [], n
        while end > 0:
            end = best[end][1]
            if end:
                seams.append(end)
        return tuple(seams)


_COMPILED: dict[UserDict, Path] = {}  # for queries
_FOR_INDEXING: dict[UserDict, Path] = {}  # for indexing (see ``compiled_for_indexing``)
_CACHE: dict[tuple[UserDict, Path | None], Segmenter] = {}


def use_compiled(userdict: UserDict, directory: Path) -> None:
    """Segment text for this user dictionary with the dictionary compiled into ``directory``."""
    _COMPILED[tuple(userdict)] = directory


@contextlib.contextmanager
def compiled_for_indexing(userdict: UserDict, directory: Path) -> Iterator[None]:
    """Index with the dictionary compiled into ``directory``, not jieba's: an update of a few
    articles then skips loading jieba, at the price of segmenting each article more slowly (a
    lookup in the compiled file costs more than one in jieba's dict). The tokens are the same."""
    _FOR_INDEXING[tuple(userdict)] = directory
    try:
        yield
    finally:
        _FOR_INDEXING.pop(tuple(userdict), None)


def release_jieba() -> None:
    """Drop this process's jieba dictionaries (loaded again if used again). Ingest's parent
    calls it once its forked workers have started: each worker copies the dictionary pages it
    touches (reference counts), so over a large build the parent's copy becomes a third one."""
    jieba_tokenizer.cache_clear()
    for key in [k for k in _CACHE if k[1] is None]:
        del _CACHE[key]


def word_frequency(userdict: UserDict = ()) -> Any:
    """jieba's frequency of a word (0 if none) from an open index's compiled dictionary, or
    None when no index has one for ``userdict`` (jieba's own is not loaded for this)."""
    if tuple(userdict) not in _COMPILED:
        return None
    freq = segmenter(userdict, compiled=True)._freq
    return lambda word: freq(word) or 0


def segmenter(userdict: UserDict = (), compiled: bool = False) -> Segmenter:
    """The segmenter for ``userdict``: with ``compiled``, the fast one if an open index has a
    compiled dictionary for it (queries); else jieba's own (a dict: faster for bulk indexing)
    unless a compiled one is set for indexing."""
    ud = tuple(userdict)
    if compiled and ud in _COMPILED and not _COMPILED[ud].is_dir():
        # the generation last opened for this dictionary is gone (another update replaced it
        # and no reader pins it, while this process reads an index opened before): jieba's own
        del _COMPILED[ud]
    key = (ud, _COMPILED.get(ud) if compiled else _FOR_INDEXING.get(ud))
    if key not in _CACHE:
        _CACHE[key] = Segmenter(*key)
    return _CACHE[key]
