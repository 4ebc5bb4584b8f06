"""jieba's default-mode segmentation, step for step, over any frequency dictionary.

jieba's ``cut`` builds a DAG of the dictionary words in a run, takes the most probable route
through it and runs an HMM over the unknown runs of single characters left over, each step a
generator over dicts: a large part of ingest time, and a query of a few characters would wait
for jieba's whole dictionary to load. ``Route`` takes the same steps fused into one right-to-left
pass over lists, with the Viterbi of the HMM unrolled over its four tags: the same words from the
same floats (every sum in jieba's order, every tie broken as jieba's ``max`` breaks it), in much
less time. It runs over jieba's own ``FREQ`` at ingest, and at query time over a compiled,
memory-mapped copy written beside the index (``FastSegmenter``: no dictionary load, so it opens
at once). The test suite compares both with jieba on every query and on the corpus.
"""

from __future__ import annotations

import marshal
import mmap
import re
import sys
from array import array
from bisect import bisect_left
from collections.abc import Callable, Collection
from itertools import accumulate
from math import log
from pathlib import Path
from typing import Any

DICT_FILE = "segdict.bin"
HMM_FILE = "hmm.marshal"
_MAGIC = b"KSSEG1\0\0"
_HEADER = len(_MAGIC) + 8 + 4  # magic, total (uint64), n (uint32)

# jieba 0.42.1's block patterns (jieba/__init__.py and jieba/finalseg/__init__.py). Each has one
# group, so ``split`` gives non-matches at even and matches at odd indexes.
RE_HAN = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)")
RE_SKIP = re.compile("(\r\n|\\s)")
_HMM_HAN = re.compile("([\u4e00-\u9fd5]+)")
_HMM_SKIP = re.compile("([a-zA-Z0-9]+(?:\\.\\d+)?%?)")
_MIN_FLOAT = -3.14e100
B, M, E, S = range(4)  # HMM tags, in jieba's order "BMES"
Token = tuple[str, int, int]  # (word, start, end), as jieba's ``tokenize`` gives it


class Hmm:
    """jieba's ``finalseg.cut``: words for a run of characters the dictionary does not know."""

    def __init__(self, start_p: Any, trans_p: Any, emit_p: Any, force_split: Collection[str]):
        self.start = tuple(start_p[y] for y in "BMES")
        allowed = ("EB", "SB", "MM", "BM", "BE", "ME", "SS", "ES")  # jieba's PrevStatus: from, to
        self.trans = tuple(trans_p[a].get(b, _MIN_FLOAT) for a, b in allowed)
        self.emit = tuple(emit_p[y] for y in "BMES")
        self.force_split = frozenset(force_split)  # jieba's Force_Split_Words: user words of freq 0

    def cut(self, text: str) -> list[str]:
        out: list[str] = []
        for j, blk in enumerate(_HMM_HAN.split(text)):
            if j & 1:
                for w in self._viterbi_words(blk):
                    if w in self.force_split:
                        out.extend(w)
                    else:
                        out.append(w)
            elif blk:
                out.extend(x for x in _HMM_SKIP.split(blk) if x)
        return out

    def _tags(self, s: str) -> list[int]:
        """jieba's ``viterbi``: for each tag, the best of its two predecessors, ties to the
        greater tag letter (jieba takes ``max`` of ``(prob, letter)``)."""
        eB, eM, eE, eS = self.emit
        EB, SB, MM, BM, BE, ME, SS, ES = self.trans
        c = s[0]
        sB, sM, sE, sS = self.start
        vB, vM = sB + eB.get(c, _MIN_FLOAT), sM + eM.get(c, _MIN_FLOAT)
        vE, vS = sE + eE.get(c, _MIN_FLOAT), sS + eS.get(c, _MIN_FLOAT)
        back = []
        for c in s[1:]:
            em = eB.get(c, _MIN_FLOAT)
            p, q = vE + EB + em, vS + SB + em
            nB, fB = (p, E) if p > q else (q, S)
            em = eM.get(c, _MIN_FLOAT)
            p, q = vM + MM + em, vB + BM + em
            nM, fM = (q, B) if q > p else (p, M)
            em = eE.get(c, _MIN_FLOAT)
            p, q = vB + BE + em, vM + ME + em
            nE, fE = (p, B) if p > q else (q, M)
            em = eS.get(c, _MIN_FLOAT)
            p, q = vS + SS + em, vE + ES + em
            nS, fS = (q, E) if q > p else (p, S)
            back.append((fB, fM, fE, fS))
            vB, vM, vE, vS = nB, nM, nE, nS
        tag = E if vE > vS else S
        tags = [tag]
        for step in reversed(back):
            tag = step[tag]
            tags.append(tag)
        tags.reverse()
        return tags

    def _viterbi_words(self, s: str) -> list[str]:
        out = []
        begin = nexti = 0
        for i, tag in enumerate(self._tags(s)):
            if tag == B:
                begin = i
            elif tag == E:
                out.append(s[begin : i + 1])
                nexti = i + 1
            elif tag == S:
                out.append(s[i])
                nexti = i + 1
        if nexti < len(s):
            out.append(s[nexti:])
        return out


class Route:
    """jieba's ``Tokenizer.tokenize(text, mode="default", HMM=True)`` over ``get`` (jieba's
    ``FREQ.get``: a word's frequency, 0 for a prefix of a word, None for neither)."""

    def __init__(self, get: Callable[[str], int | None], total: int, hmm: Callable[[], Hmm]):
        self.get = get
        self.logtotal = log(total)
        self._load_hmm = hmm
        self._hmm: Hmm | None = None

    def tokenize(self, text: str) -> list[Token]:
        out: list[Token] = []
        at = 0
        for j, blk in enumerate(RE_HAN.split(text)):
            if j & 1:
                at = self._cut_dag(blk, at, out)
            elif blk:
                for x in RE_SKIP.split(blk):
                    if len(x) == 1 or RE_SKIP.match(x):
                        out.append((x, at, at + len(x)))
                        at += len(x)
                    else:
                        for ch in x:
                            out.append((ch, at, at + 1))
                            at += 1
        return out

    def _cut_dag(self, s: str, at: int, out: list[Token]) -> int:
        """Words of one block of ``s``, appended to ``out`` from offset ``at``; the end offset.

        jieba's ``get_DAG`` and ``calc`` in one pass: ``score[i]`` is the best log probability
        of ``s[i:]``, and a word ``s[i:j]`` scores ``(log(freq) - logtotal) + score[j]``."""
        get, logtotal, n = self.get, self.logtotal, len(s)
        score = [0.0] * (n + 1)
        ends = [0] * n
        for i in range(n - 1, -1, -1):
            best: float | None = None
            end = i + 1
            j = i + 1
            frag = s[i]
            while (f := get(frag)) is not None:
                if f:
                    sc = log(f) - logtotal + score[j]
                    if best is None or sc >= best:  # a tie goes to the longer word, as in jieba
                        best, end = sc, j
                if j == n:
                    break
                j += 1
                frag = s[i:j]
            score[i] = 0.0 - logtotal + score[i + 1] if best is None else best
            ends[i] = end
        i, run = 0, -1  # ``run``: where the current run of single characters began
        while i < n:
            j = ends[i]
            if j - i == 1:
                if run < 0:
                    run = i
            else:
                if run >= 0:
                    at = self._run(s[run:i], at, out)
                    run = -1
                out.append((s[i:j], at, at + j - i))
                at += j - i
            i = j
        return self._run(s[run:], at, out) if run >= 0 else at

    def _run(self, buf: str, at: int, out: list[Token]) -> int:
        """A run of single characters: an unknown word for the HMM, unless it is one character
        or a dictionary word (which jieba then splits into characters)."""
        if len(buf) == 1 or self.get(buf):
            words: Any = buf
        else:
            if self._hmm is None:
                self._hmm = self._load_hmm()
            words = self._hmm.cut(buf)
        for w in words:
            out.append((w, at, at + len(w)))
            at += len(w)
        return at


def compile_dictionary(freq: dict[str, int], total: int, directory: Path) -> None:
    """Write jieba's prefix dictionary and HMM model for ``FastSegmenter`` (done at ingest)."""
    from kscorpus.ingest.jieba_fast import hmm_tables

    start_P, trans_P, emit_P = hmm_tables()
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
    """``Route`` over a compiled, memory-mapped dictionary."""

    def __init__(self, directory: Path, force_split: Collection[str] = ()) -> None:
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
        self._force_split = force_split
        self.tokenize = Route(self.get, self.total, self._hmm).tokenize

    def _hmm(self) -> Hmm:
        with open(self._dir / HMM_FILE, "rb") as f:
            tables = marshal.loads(f.read())  # load(f) reads object by object
        return Hmm(*tables, self._force_split)

    def _key(self, i: int) -> bytes:
        base = self._blob
        return self._mm[base + self._offsets[i] : base + self._offsets[i + 1]]

    def get(self, word: str) -> int | None:
        """jieba's ``FREQ.get(word)``: None when the word is not even a prefix of a word."""
        b = word.encode("utf-8")
        i = bisect_left(self._keys, b)
        return self._freqs[i] if i < self._n and self._key(i) == b else None


class _Keys:
    """The sorted keys as a sequence ``bisect`` can search without materializing them."""

    def __init__(self, seg: FastSegmenter) -> None:
        self._seg = seg

    def __len__(self) -> int:
        return self._seg._n

    def __getitem__(self, i: int) -> bytes:
        return self._seg._key(i)
