"""Offset maps: every derived text keeps a way back to the characters it came from.

Each stage of the pipeline (normalize, repair, convert) may change lengths: a stripped pinyin
annotation deletes characters, a repaired mojibake span replaces n characters with m, OpenCC can
turn one phrase into a shorter one. An ``OffsetMap`` records, for each character of the derived
text, the half-open range of source characters it stands for, so a snippet or highlight found in
the cleaned text can be shown at its place in the original.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, eq=False)
class OffsetMap:
    """Per derived character ``i``: it stands for ``source[starts[i]:ends[i]]``.

    Stored as two integer arrays (4 bytes a character, not a Python int object each), with
    identity maps flagged so that composing with them costs nothing.
    """

    starts: Sequence[int]
    ends: Sequence[int]
    source_len: int
    is_identity: bool = False

    @classmethod
    def identity(cls, n: int) -> OffsetMap:
        return cls(range(n), range(1, n + 1), n, is_identity=True)

    def __len__(self) -> int:
        return len(self.starts)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, OffsetMap)
            and self.source_len == other.source_len
            and list(self.starts) == list(other.starts)
            and list(self.ends) == list(other.ends)
        )

    __hash__ = None  # type: ignore[assignment]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map the derived span ``[start, end)`` to the source span it came from."""
        n = len(self.starts)
        if not 0 <= start <= end <= n:
            raise ValueError(f"span {start}:{end} outside 0:{n}")
        if start == end:
            pos = self.starts[start] if start < n else self.source_len
            return pos, pos
        return self.starts[start], self.ends[end - 1]

    def then(self, outer: OffsetMap) -> OffsetMap:
        """Compose: ``self`` maps B→A and ``outer`` maps C→B; the result maps C→A."""
        if outer.source_len != len(self):
            raise ValueError("maps do not chain: outer source length != inner derived length")
        if outer.is_identity:
            return self
        if self.is_identity:
            return OffsetMap(outer.starts, outer.ends, self.source_len)
        st, en, n, end = self.starts, self.ends, len(self.starts), self.source_len
        starts = array("l", [st[s] if s < n else end for s in outer.starts])
        ends = array(
            "l",
            [
                en[e - 1] if e > s else (st[s] if s < n else end)
                for s, e in zip(outer.starts, outer.ends)
            ],
        )
        return OffsetMap(starts, ends, end)

    def to_json(self) -> list[list[int]]:
        """Compact run-length form, first ``[derived_len, source_len]``, then one list per run.

        ``[n, s]``: n copied characters from ``source[s:s+n]``, one each.
        ``[n, s, e]``: n characters that all stand for ``source[s:e]`` (a replacement).
        """
        runs: list[list[int]] = []
        for s, e in zip(self.starts, self.ends):
            last = runs[-1] if runs else None
            if (last is not None and len(last) == 2 and e == s + 1 and s == last[1] + last[0]) or (
                last is not None and len(last) == 3 and (s, e) == (last[1], last[2])
            ):
                last[0] += 1
            else:
                runs.append([1, s] if e == s + 1 else [1, s, e])
        return [[len(self.starts), self.source_len], *runs]

    @classmethod
    def from_json(cls, data: Sequence[Sequence[int]]) -> OffsetMap:
        (n, source_len), *runs = data
        starts: list[int] = []
        ends: list[int] = []
        for run in runs:
            if len(run) == 2:
                length, s = run
                starts.extend(range(s, s + length))
                ends.extend(range(s + 1, s + length + 1))
            else:
                length, s, e = run
                starts.extend([s] * length)
                ends.extend([e] * length)
        if len(starts) != n:
            raise ValueError("corrupt offset map")
        return cls(array("l", starts), array("l", ends), source_len)


@dataclass(frozen=True)
class Edit:
    """Replace ``source[start:end]`` with ``text`` (empty ``text`` deletes, empty span inserts)."""

    start: int
    end: int
    text: str


def apply_edits(source: str, edits: Iterable[Edit]) -> tuple[str, OffsetMap]:
    """Apply non-overlapping edits to ``source``; return the new text and its map back."""
    ordered = sorted(edits, key=lambda x: (x.start, x.end))
    if not ordered:
        return source, OffsetMap.identity(len(source))
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for ed in ordered:
        if ed.start < pos or ed.end < ed.start or ed.end > len(source):
            raise ValueError(f"overlapping or invalid edit {ed}")
        out.append(source[pos : ed.start])
        starts.extend(range(pos, ed.start))
        ends.extend(range(pos + 1, ed.start + 1))
        out.append(ed.text)
        starts.extend([ed.start] * len(ed.text))
        ends.extend([ed.end] * len(ed.text))
        pos = ed.end
    out.append(source[pos:])
    starts.extend(range(pos, len(source)))
    ends.extend(range(pos + 1, len(source) + 1))
    return "".join(out), OffsetMap(array("l", starts), array("l", ends), len(source))
