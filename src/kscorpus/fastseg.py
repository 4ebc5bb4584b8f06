"""jieba's segmentation, without loading jieba: a compiled dictionary, memory-mapped.

Loading jieba's dictionary costs 1.3-1.7 s a process, which a search CLI pays to segment a
four-character query. At ingest, when jieba is loaded anyway, its prefix dictionary (``FREQ``,
user words included) and HMM tables are written beside the index; at query time this module
reproduces jieba's default mode (DAG, max-probability route, HMM for unknown runs) over that
file, opening it in well under a millisecond. The algorithm is jieba 0.42.1's, step for step,
so tokens are identical; the test suite compares the two on every query and on the corpus.
"""

from __future__ import annotations

import marshal
import mmap
import re
import sys
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from itertools import accumulate
from math import log
from pathlib import Path
from typing import Any

DICT_FILE = "segdict.bin"
HMM_FILE = "hmm.marshal"
_MAGIC = b"KSSEG1\0\0"
_HEADER = len(_MAGIC) + 8 + 4  # magic, total (uint64), n (uint32)

# jieba 0.42.1's block patterns (jieba/__init__.py and jieba/finalseg/__init__.py)
RE_HAN = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)")
RE_SKIP = re.compile("(\r\n|\\s)")
_HMM_HAN = re.compile("([\u4e00-\u9fd5]+)")
_HMM_SKIP = re.compile("([a-zA-Z0-9]+(?:\\.\\d+)?%?)")
_MIN_FLOAT = -3.14e100
_PREV = {"B": "ES", "M": "MB", "S": "SE", "E": "BM"}


def compile_dictionary(freq: dict[str, int], total: int, directory: Path) -> None:
    """Write jieba's prefix dictionary and HMM model for ``FastSegmenter`` (done at ingest)."""
    from jieba.finalseg import emit_P, start_P, trans_P

    keys = sorted(freq)  # code point order is UTF-8 byte order
    blob = "".join(keys).encode("utf-8")
    offsets = array("I", [0])
    offsets.extend(accumulate(len(k.encode("utf-8")) for k in keys))
    freqs = array("I", map(freq.__getitem__, keys))
    with open(directory / DICT_FILE, "wb") as f:
        f.write(_MAGIC + total.to_bytes(8, sys.byteorder) + len(keys).to_bytes(4, sys.byteorder))
        f.write(offsets.tobytes())
        f.write(freqs.tobytes())
        f.write(blob)
    with open(directory / HMM_FILE, "wb") as f:
        marshal.dump((start_P, trans_P, emit_P), f)


class FastSegmenter:
    """jieba's ``cut(text, HMM=True)`` over a compiled, memory-mapped dictionary."""

    def __init__(self, directory: Path) -> None:
        self._dir = directory
        with open(directory / DICT_FILE, "rb") as f:
            self._mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        head = self._mm[:_HEADER]
        if head[: len(_MAGIC)] != _MAGIC:
            raise ValueError(f"{directory / DICT_FILE}: not a kscorpus segmentation dictionary")
        self.total = int.from_bytes(head[8:16], sys.byteorder)
        n = int.from_bytes(head[16:20], sys.byteorder)
        view = memoryview(self._mm)
        self._offsets = view[_HEADER : _HEADER + 4 * (n + 1)].cast("I")
        self._freqs = view[_HEADER + 4 * (n + 1) : _HEADER + 4 * (2 * n + 1)].cast("I")
        self._blob = _HEADER + 4 * (2 * n + 1)
        self._n = n
        if len(self._mm) < self._blob or len(self._mm) != self._blob + self._offsets[n]:
            raise ValueError(f"{directory / DICT_FILE}: truncated or damaged")
        self._keys = _Keys(self)
        self._logtotal = log(self.total)
        self._hmm: Any = None

    def _key(self, i: int) -> bytes:
        base = self._blob
        return self._mm[base + self._offsets[i] : base + self._offsets[i + 1]]

    def get(self, word: str) -> int | None:
        """jieba's ``FREQ.get(word)``: None when the word is not even a prefix of a word."""
        b = word.encode("utf-8")
        i = bisect_left(self._keys, b)
        return self._freqs[i] if i < self._n and self._key(i) == b else None

    def cut(self, text: str) -> Iterator[str]:
        for blk in RE_HAN.split(text):
            if not blk:
                continue
            if RE_HAN.match(blk):
                yield from self._cut_dag(blk)
            else:
                for x in RE_SKIP.split(blk):
                    if RE_SKIP.match(x):
                        yield x
                    else:
                        yield from x

    def tokenize(self, text: str) -> Iterator[tuple[str, int, int]]:
        """``(word, start, end)`` like ``jieba.Tokenizer.tokenize(text)``."""
        start = 0
        for w in self.cut(text):
            yield w, start, start + len(w)
            start += len(w)

    def _dag(self, s: str) -> list[list[int]]:
        n = len(s)
        dag = []
        for k in range(n):
            ends = []
            i = k
            frag = s[k]
            while i < n:
                f = self.get(frag)
                if f is None:
                    break
                if f:
                    ends.append(i)
                i += 1
                frag = s[k : i + 1]
            dag.append(ends or [k])
        return dag

    def _cut_dag(self, s: str) -> Iterator[str]:
        dag = self._dag(s)
        n = len(s)
        route: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
        for idx in range(n - 1, -1, -1):
            route[idx] = max(
                (log(self.get(s[idx : x + 1]) or 1) - self._logtotal + route[x + 1][0], x)
                for x in dag[idx]
            )
        x, buf = 0, ""
        while x < n:
            y = route[x][1] + 1
            word = s[x:y]
            if y - x == 1:
                buf += word
            else:
                if buf:
                    yield from self._flush(buf)
                    buf = ""
                yield word
            x = y
        if buf:
            yield from self._flush(buf)

    def _flush(self, buf: str) -> Iterator[str]:
        if len(buf) == 1:
            yield buf
        elif not self.get(buf):
            yield from self._hmm_cut(buf)
        else:
            yield from buf

    def _hmm_cut(self, s: str) -> Iterator[str]:
        if self._hmm is None and _HMM_HAN.search(s):  # Latin text never needs the model
            with open(self._dir / HMM_FILE, "rb") as f:
                self._hmm = marshal.loads(f.read())  # load(f) reads object by object
        for blk in _HMM_HAN.split(s):
            if _HMM_HAN.match(blk):
                yield from self._viterbi_cut(blk)
            else:
                yield from (x for x in _HMM_SKIP.split(blk) if x)

    def _viterbi_cut(self, s: str) -> Iterator[str]:
        start_p, trans_p, emit_p = self._hmm
        v = [{y: start_p[y] + emit_p[y].get(s[0], _MIN_FLOAT) for y in "BMES"}]
        path = {y: [y] for y in "BMES"}
        for t in range(1, len(s)):
            v.append({})
            newpath = {}
            for y in "BMES":
                em = emit_p[y].get(s[t], _MIN_FLOAT)
                prob, state = max(
                    (v[t - 1][y0] + trans_p[y0].get(y, _MIN_FLOAT) + em, y0) for y0 in _PREV[y]
                )
                v[t][y] = prob
                newpath[y] = [*path[state], y]
            path = newpath
        _, state = max((v[-1][y], y) for y in "ES")
        tags = path[state]
        begin = nexti = 0
        for i, ch in enumerate(s):
            tag = tags[i]
            if tag == "B":
                begin = i
            elif tag == "E":
                yield s[begin : i + 1]
                nexti = i + 1
            elif tag == "S":
                yield ch
                nexti = i + 1
        if nexti < len(s):
            yield s[nexti:]


class _Keys:
    """The sorted keys as a sequence ``bisect`` can search without materializing them."""

    def __init__(self, seg: FastSegmenter) -> None:
        self._seg = seg

    def __len__(self) -> int:
        return self._seg._n

    def __getitem__(self, i: int) -> bytes:
        return self._seg._key(i)
