"""Chinese word segmentation with jieba, behind a small interface the analyzer can rely on.

jieba is imported lazily (its dictionary load costs over a second), each user dictionary gets
its own private ``jieba.Tokenizer`` (the global one is never mutated), and the invalid-escape
warnings jieba 0.42.1 emits when compiled on Python 3.12+ never reach the user.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

UserDict = tuple[tuple[str, "int | None"], ...]

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


@lru_cache(maxsize=4)
def _tokenizer(userdict: UserDict) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        import jieba
    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    for word, freq in userdict:
        tk.add_word(word, freq)
    return tk


class Segmenter:
    """Precise-mode words with character offsets, and search-mode sub-words of a word."""

    def __init__(self, userdict: UserDict = ()) -> None:
        self.userdict = userdict
        self._tk = _tokenizer(userdict)

    def words(self, text: str) -> Iterator[tuple[str, int, int]]:
        """jieba's default mode (HMM on), as ``(word, start, end)``."""
        return self._tk.tokenize(text, mode="default", HMM=True)

    def subwords(self, word: str) -> Iterator[tuple[str, int]]:
        """The 2- and 3-character dictionary words inside ``word``, as jieba's search mode finds
        them, with their offset in ``word``."""
        freq = self._tk.FREQ
        for n in (2, 3):
            if len(word) > n:
                for i in range(len(word) - n + 1):
                    gram = word[i : i + n]
                    if freq.get(gram):
                        yield gram, i


def segmenter(userdict: UserDict = ()) -> Segmenter:
    return _segmenter(tuple(userdict))


@lru_cache(maxsize=4)
def _segmenter(userdict: UserDict) -> Segmenter:
    return Segmenter(userdict)
