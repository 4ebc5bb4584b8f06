"""Every use of jieba's internals in kscorpus, in one place.

kscorpus segments with jieba's algorithm and dictionary (``fastseg``), so it reads what jieba
keeps inside: a tokenizer's prefix dictionary (``FREQ``, ``total``), the HMM tables of
``jieba.finalseg`` and the dictionary file. Loading swaps jieba's module-level ``marshal`` for
one that reads the dictionary cache in one go (``marshal.load`` on a file reads it object by
object: most of jieba's start-up). tests/test_jieba_conformance.py checks each of these against
jieba's own; ``pyproject.toml`` pins jieba below 0.43 for the same reason.
"""

from __future__ import annotations

import marshal
import warnings
from importlib.util import find_spec
from pathlib import Path
from typing import Any


class WholeFileMarshal:
    """``marshal`` whose ``load`` reads the whole file first."""

    dump = staticmethod(marshal.dump)
    dumps = staticmethod(marshal.dumps)
    loads = staticmethod(marshal.loads)

    @staticmethod
    def load(f: Any) -> Any:
        return marshal.loads(f.read())


def import_jieba() -> Any:
    """``import jieba``, quiet: its invalid-escape warnings (Python 3.12+) and its log lines
    never reach the user."""
    import logging  # here: a search never loads jieba, so it never needs logging either

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        import jieba
    jieba.setLogLevel(logging.WARNING)
    return jieba


def load_tokenizer(userdict: tuple[tuple[str, int | None], ...]) -> Any:
    """A private, initialized ``jieba.Tokenizer`` with the user dictionary's words added."""
    jieba = import_jieba()
    jieba.marshal = WholeFileMarshal  # type: ignore[attr-defined]
    tk = jieba.Tokenizer()
    tk.initialize()
    for word, freq in userdict:
        tk.add_word(word, freq)
    return tk


def prefix_dictionary(tk: Any) -> tuple[dict[str, int], int]:
    """A tokenizer's word frequencies (with every prefix of a word at 0) and their total."""
    return tk.FREQ, tk.total


def hmm_tables() -> tuple[Any, Any, Any]:
    """jieba's HMM for unknown words: start, transition and emission log-probabilities."""
    from jieba.finalseg import emit_P, start_P, trans_P

    return start_P, trans_P, emit_P


def dictionary_file() -> Path | None:
    """jieba's main dictionary, found without importing jieba (which is slow to import)."""
    spec = find_spec("jieba")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "dict.txt"
